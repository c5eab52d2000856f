module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'api-lambda',
  moto: true,
  testTimeout: 30_000,
});
