module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'cli',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/cli',
  testTimeout: 60_000,
};
