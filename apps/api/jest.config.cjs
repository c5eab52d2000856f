module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'api-lambda',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/api',
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
  testTimeout: 30_000,
};
