const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'web',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/web',
  // three.js is ES modules (its CommonJS entry only re-exports them, with a deprecation warning): its ES build,
  // compiled like our own sources.
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^three$': require.resolve('three').replace(/three\.cjs$/, 'three.module.js'),
  },
  transformIgnorePatterns: ['/node_modules/(?!three/)'],
};
