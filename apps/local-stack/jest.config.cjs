module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'local-stack',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/local-stack',
  testTimeout: 120_000,
};
