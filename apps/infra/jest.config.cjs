module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'infra',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/infra',
  // preflight reads S3, STS and SES identities from moto server with the real AWS SDK (tests/preflight.int.spec.ts).
  globalSetup: '../../tools/testing/moto-setup.cjs',
  globalTeardown: '../../tools/testing/moto-teardown.cjs',
};
