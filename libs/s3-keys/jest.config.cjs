module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 's3-keys',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/s3-keys',
};
