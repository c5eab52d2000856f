// One project's Jest config: the shared preset (jest.preset.cjs) rooted at the project's folder, its coverage
// under coverage/<the project's path>, and with `moto: true` one moto server for the whole run
// (moto-setup.cjs starts it, moto-teardown.cjs stops it). Every other option is passed through as given.
//   module.exports = require('../../tools/testing/jest-project.cjs')(__dirname, { displayName: 'jobs' });
const path = require('node:path');
const preset = require('../../jest.preset.cjs');

const workspaceRoot = path.join(__dirname, '..', '..');
const motoServer = {
  globalSetup: path.join(__dirname, 'moto-setup.cjs'),
  globalTeardown: path.join(__dirname, 'moto-teardown.cjs'),
};

module.exports = function jestProject(projectDir, { moto = false, ...options }) {
  return {
    ...preset,
    rootDir: projectDir,
    coverageDirectory: path.join(workspaceRoot, 'coverage', path.relative(workspaceRoot, projectDir)),
    ...(moto ? motoServer : {}),
    ...options,
  };
};
