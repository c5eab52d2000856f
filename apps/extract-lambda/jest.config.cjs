module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'extract-lambda',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/extract-lambda',
};
