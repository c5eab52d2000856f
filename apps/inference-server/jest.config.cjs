module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'inference-server',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/inference-server',
  // Integration tests run the real sidecar, worker host and moto server: one moto for the whole run.
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
  testTimeout: 60_000,
};
