module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'notify-lambda',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/notify-lambda',
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
  testTimeout: 30_000,
};
