// preflight reads S3, STS and SES identities from moto server with the real AWS SDK (tests/preflight.int.spec.ts).
module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'infra',
  moto: true,
});
