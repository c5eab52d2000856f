// The web app's end-to-end test (the `e2e` target): a real Chromium against the local stack. Slow by nature.
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'web-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.e2e.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
