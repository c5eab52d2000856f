#!/usr/bin/env node
// The `gen3d` command: runs the built CLI (dist/apps/cli/main.js), building it first on a fresh clone.
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const main = path.join(root, 'dist/apps/cli/main.js');
if (!existsSync(main)) {
  process.stderr.write('gen3d: building the CLI once (npx nx build cli)...\n');
  execFileSync('npx', ['nx', 'build', 'cli', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
}
require(main);
