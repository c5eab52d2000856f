module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'notify-lambda',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/notify-lambda',
};
