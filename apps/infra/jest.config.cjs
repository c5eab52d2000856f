module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'infra',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/infra',
};
