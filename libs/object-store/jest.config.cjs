module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'object-store',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/object-store',
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
};
