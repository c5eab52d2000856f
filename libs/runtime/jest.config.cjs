module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'runtime',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/runtime',
};
