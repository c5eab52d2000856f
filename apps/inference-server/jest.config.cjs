module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'inference-server',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/inference-server',
};
