// `--aws` is tested against moto server, with the real AWS SDK.
module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'cli',
  moto: true,
  testTimeout: 60_000,
});
