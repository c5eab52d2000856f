module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'local-stack',
  testTimeout: 120_000,
});
