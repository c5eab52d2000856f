module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'extract-lambda',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/extract-lambda',
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
  testTimeout: 30_000,
};
