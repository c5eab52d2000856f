// Workspace-level checks, run by the README's test command with node's test runner:
// the project list, the dependency graph's direction, and that the module-boundary lint rule bites.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const APPS = [
  'extract-lambda',
  'notify-lambda',
  'inference-server',
  'web',
  'infra',
  'local-stack',
  'cli',
  'api-lambda',
];
const LIBS = ['s3-keys', 'events', 'logging', 'object-store', 'runtime', 'jobs', 'api', 'sidecar'];
// One per CDK stack, under apps/infra/deploy/ (apps/infra/src/deploy-order.ts): what `nx affected` deploys.
const DEPLOYS = ['extract', 'notify', 'replica', 'storage', 'operations', 'inference', 'web', 'api'].map(
  (stack) => `deploy-${stack}`,
);

test('the workspace has its sixteen projects and one deploy project per stack', () => {
  const projects = execFileSync('npx', ['nx', 'show', 'projects'], { env, encoding: 'utf8' })
    .trim()
    .split('\n');
  assert.deepEqual([...projects].sort(), [...APPS, ...LIBS, ...DEPLOYS].sort());
});

test('apps depend on libs, and no lib depends on an app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gen3d-graph-'));
  try {
    const file = join(dir, 'graph.json');
    execFileSync('npx', ['nx', 'graph', `--file=${file}`], { env, stdio: 'ignore' });
    const { graph } = JSON.parse(readFileSync(file, 'utf8'));
    const edges = Object.entries(graph.dependencies).flatMap(([source, deps]) =>
      deps.filter((d) => !d.target.startsWith('npm:')).map((d) => [source, d.target]),
    );
    for (const [source, target] of edges) {
      if (LIBS.includes(source)) assert.ok(LIBS.includes(target), `lib ${source} depends on ${target}`);
    }
    for (const app of ['extract-lambda', 'notify-lambda', 'inference-server', 'web']) {
      assert.ok(
        edges.some(([s, t]) => s === app && LIBS.includes(t)),
        `${app} uses no lib`,
      );
    }
    assert.ok(
      edges.some(([s, t]) => s === 'events' && t === 's3-keys'),
      'events builds on s3-keys',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function lintWith(file, source) {
  writeFileSync(file, source);
  try {
    return spawnSync('npx', ['eslint', '--no-cache', file], { env, encoding: 'utf8' });
  } finally {
    rmSync(file, { force: true });
  }
}

/** Lints `source` as if it were `file`: the lint must fail, naming each of `rules` (regular expressions). */
function assertLintRefuses(file, source, ...rules) {
  const result = lintWith(file, source);
  assert.notEqual(result.status, 0);
  for (const rule of rules) assert.match(result.stdout, rule);
}

test('lint refuses a library that imports an app', () => {
  assertLintRefuses(
    'libs/s3-keys/src/bad-import.ts',
    "import { inputRecordsOf } from '../../../apps/extract-lambda/src/records';\nexport const x = inputRecordsOf;\n",
    /@nx\/enforce-module-boundaries/,
  );
});

test('lint refuses browser code that imports node-only code', () => {
  assertLintRefuses(
    'apps/web/src/bad-import.ts',
    "import { createLogger } from '@gen3d/logging';\nexport const log = createLogger({ service: 'web' });\n",
    /@nx\/enforce-module-boundaries/,
    /platform:browser/,
  );
});

test('lint holds tests to the module boundaries too', () => {
  assertLintRefuses(
    'apps/extract-lambda/tests/bad-import.ts',
    "import { createNotifyHandler } from '../../notify-lambda/src/handler';\nexport const h = createNotifyHandler;\n",
    /@nx\/enforce-module-boundaries/,
  );
});

test('lint refuses a promise nobody awaits (type-aware rules)', () => {
  assertLintRefuses(
    'libs/jobs/src/bad-promise.ts',
    'export async function f(): Promise<number> {\n  return 1;\n}\nexport function g(): void {\n  f();\n}\n',
    /@typescript-eslint\/no-floating-promises/,
  );
});

test('built libraries load by package name, through their exports map, as another project would', () => {
  // test:all builds before these checks; the npm workspace links node_modules/@gen3d/* to libs/*.
  const script = `
    const keys = require('@gen3d/s3-keys');
    const events = require('@gen3d/events');
    const logging = require('@gen3d/logging');
    const store = require('@gen3d/object-store');
    if (typeof store.S3ObjectStore !== 'function') throw new Error('object-store has no S3 adapter');
    const input = keys.parseInputKey(keys.decodeEventKey('users/u1/input/my+photo+%281%29.png'));
    if (input.name !== 'my photo (1)') throw new Error('s3-keys from dist is wrong: ' + input.name);
    if (typeof events.parseInferenceRequest !== 'function') throw new Error('events has no parser');
    if (typeof logging.createLogger !== 'function') throw new Error('logging has no factory');
    for (const lib of ['s3-keys', 'events', 'logging', 'object-store']) {
      const resolved = require.resolve('@gen3d/' + lib);
      if (!resolved.includes('/libs/' + lib + '/dist/')) throw new Error(lib + ' resolved to ' + resolved);
    }`;
  execFileSync(process.execPath, ['-e', script], { env, stdio: 'pipe' });
});

test('the README quick start names the two commands, and CI runs exactly the test command', () => {
  const readme = readFileSync('README.md', 'utf8');
  const quickStart = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('## ', readme.indexOf('## Quick start') + 3),
  );
  assert.match(quickStart, /^npm start\b/m);
  assert.match(quickStart, /^npm run test:all\b/m);
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts;
  assert.ok(scripts.start && scripts['test:all'], 'package.json defines start and test:all');
  const ci = readFileSync('.ci/run', 'utf8');
  assert.match(ci, /^npm run test:all$/m);
});
