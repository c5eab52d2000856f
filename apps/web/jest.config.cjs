const { moduleNameMapper } = require('../../jest.preset.cjs');

// The page is read in every time zone: its tests run far from UTC (UTC+14), so that a date said in the machine's
// zone instead of the one the API and the emails mean shows (Jest's workers inherit it).
process.env.TZ = 'Pacific/Kiritimati';

module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, {
  displayName: 'web',
  // three.js is ES modules (its CommonJS entry only re-exports them, with a deprecation warning): its ES build,
  // compiled like our own sources.
  moduleNameMapper: {
    ...moduleNameMapper,
    '^three$': require.resolve('three').replace(/three\.cjs$/, 'three.module.js'),
  },
  transformIgnorePatterns: ['/node_modules/(?!three/)'],
});
