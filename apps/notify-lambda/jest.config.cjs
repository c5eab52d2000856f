module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'notify-lambda',
  moto: true,
  testTimeout: 30_000,
});
