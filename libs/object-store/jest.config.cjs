// The contract test runs every store against moto server too (tests/contract.int.spec.ts).
module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'object-store',
  moto: true,
});
