module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'cli',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/cli',
  testTimeout: 60_000,
  // `--aws` is tested against moto server, with the real AWS SDK.
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
};
