const { moduleNameMapper } = require('../../jest.preset.cjs');

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
