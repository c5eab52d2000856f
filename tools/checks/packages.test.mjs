// The libraries are packages other projects can consume: each packs (npm pack) to a tarball with its compiled code,
// its type declarations, README and LICENSE and no tests; and a throwaway project OUTSIDE the workspace installs the
// tarballs (third-party dependencies from npm's cache, as a fresh clone's `npm ci` left it) and uses them from
// JavaScript and from type-checked TypeScript. Run after the builds (npm run test:all builds first).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const LIBS = ['s3-keys', 'events', 'logging', 'object-store', 'runtime', 'jobs', 'api', 'sidecar'];
const env = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
const work = mkdtempSync(join(tmpdir(), 'gen3d-consumer-'));
const tarballs = {};

before(() => {
  // Built by test:all already (a cache hit then); building here keeps this check whole when run on its own.
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', ...LIBS, '--outputStyle=static'], {
    cwd: root,
    env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    stdio: 'pipe',
  });
  for (const lib of LIBS) {
    const dir = join(root, 'libs', lib);
    assert.ok(existsSync(join(dir, 'dist/index.js')), `libs/${lib} is not built: run its build target first`);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: dir,
        env,
        encoding: 'utf8',
      }),
    );
    tarballs[lib] = { file: join(work, packed.filename), files: packed.files.map((f) => f.path) };
  }
});

after(() => rmSync(work, { recursive: true, force: true }));

test('each library packs with its code, types, README and LICENSE, and without its tests', () => {
  for (const lib of LIBS) {
    const { files } = tarballs[lib];
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      assert.ok(files.includes(needed), `${lib}: ${needed} is not in the tarball`);
    }
    assert.deepEqual(
      files.filter((f) => /\.spec\.|\/tests\/|tsbuildinfo/.test(f)),
      [],
      `${lib} packs test files`,
    );
  }
});

/**
 * A lock file for the consumer: the tarballs, and every third-party package they need (transitively) at exactly the
 * version, tarball URL and integrity the workspace's own lock pins, so that `npm ci --offline` installs from npm's
 * cache (filled by the workspace's `npm ci`) with no registry lookups.
 */
function consumerLock(dependencies, devDependencies) {
  const workspace = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const packages = { '': { name: 'gen3d-consumer', version: '0.0.0', dependencies, devDependencies } };
  const manifests = Object.fromEntries(
    LIBS.map((lib) => [lib, JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8'))]),
  );
  const queue = [];
  for (const lib of LIBS) {
    const path = `node_modules/@gen3d/${lib}`;
    packages[path] = {
      version: manifests[lib].version,
      resolved: `file:${tarballs[lib].file}`,
      license: manifests[lib].license,
      dependencies: manifests[lib].dependencies ?? {},
    };
    queue.push(path);
  }
  queue.push('');
  /** Where npm finds `name` for the package at `from`: its own node_modules, then each ancestor's, then the top. */
  const locate = (from, name) => {
    if (from === '') return `node_modules/${name}`;
    for (let dir = from; ;) {
      const candidate = `${dir}/node_modules/${name}`;
      if (workspace[candidate] || packages[candidate]) return candidate;
      const cut = dir.lastIndexOf('/node_modules/');
      if (cut < 0) break;
      dir = dir.slice(0, cut);
    }
    return `node_modules/${name}`;
  };
  while (queue.length > 0) {
    const from = queue.shift();
    const entry = packages[from];
    const wanted = {
      ...entry.dependencies,
      ...entry.devDependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    };
    for (const name of Object.keys(wanted)) {
      const path = locate(from, name);
      if (packages[path] || path.startsWith('node_modules/@gen3d/')) continue;
      const pinned = workspace[path];
      if (!pinned) {
        if (entry.optionalDependencies?.[name] || entry.peerDependenciesMeta?.[name]?.optional) continue;
        throw new Error(`${from} needs ${name}, which the workspace lock does not pin`);
      }
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...copy } = pinned;
      // The workspace lock omits registry URLs; the registry's tarball address is a pure function of name and version.
      const name_ = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const base = name_.slice(name_.lastIndexOf('/') + 1);
      copy.resolved ??= `https://registry.npmjs.org/${name_}/-/${base}-${copy.version}.tgz`;
      packages[path] = copy;
      queue.push(path);
    }
  }
  return { name: 'gen3d-consumer', version: '0.0.0', lockfileVersion: 3, requires: true, packages };
}

test('a project outside the workspace installs the tarballs and uses them, from JavaScript and TypeScript', () => {
  const project = join(work, 'consumer');
  execFileSync('mkdir', ['-p', project]);
  const dependencies = Object.fromEntries(LIBS.map((lib) => [`@gen3d/${lib}`, `file:${tarballs[lib].file}`]));
  // A TypeScript consumer of Node libraries brings Node's types, as the workspace does.
  const devDependencies = {
    '@types/node': JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[
      '@types/node'
    ],
  };
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      { name: 'gen3d-consumer', private: true, version: '0.0.0', dependencies, devDependencies },
      null,
      2,
    ),
  );
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify(consumerLock(dependencies, devDependencies), null, 2),
  );
  // Offline: everything third-party comes from npm's cache; nothing resolves to the workspace's node_modules.
  execFileSync('npm', ['ci', '--offline', '--ignore-scripts'], { cwd: project, env, stdio: 'pipe' });
  writeFileSync(
    join(project, 'use.mjs'),
    `
import { parseInputKey, decodeEventKey } from '@gen3d/s3-keys';
import { parseCreatedObject, parseS3EventEnvelope } from '@gen3d/events';
import { s3CreatedEvent } from '@gen3d/events/testing';
import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { createS3BatchHandler } from '@gen3d/runtime';
import { EXTRACT_TALLY, extractObject, parseExtractConfig } from '@gen3d/jobs';

const key = parseInputKey(decodeEventKey('users/u1/input/my+chair.png'));
if (key.name !== 'my chair') throw new Error('s3-keys: ' + key.name);
const store = new InMemoryObjectStore();
const data = bindBucket(store, 'gen3d-data-bucket');
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const upload = await data.put('users/u1/input/my chair.png', png, { contentType: 'image/png' });
const invoked = [];
const handler = createS3BatchHandler({
  logger: createLogger({ service: 'consumer', level: 'silent' }),
  tally: EXTRACT_TALLY,
  handle: (object, invocation) =>
    extractObject(object, {
      data,
      invoker: { invokeAsync: async (i) => (invoked.push(i), { outputLocation: undefined }) },
      config: parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'e', DATA_BUCKET: 'gen3d-data-bucket' }),
      clock: () => new Date(),
    }, invocation),
});
const event = s3CreatedEvent([{ bucket: 'gen3d-data-bucket', key: 'users/u1/input/my chair.png', ...upload, size: png.length }]);
parseCreatedObject(parseS3EventEnvelope(event).Records[0]);
const summary = await handler(event, { awsRequestId: 'r', functionName: 'f', getRemainingTimeInMillis: () => 30000 });
if (summary.started !== 1 || invoked.length !== 1) throw new Error('jobs: ' + JSON.stringify(summary));
console.log('ok');
`,
  );
  assert.equal(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' }).trim(), 'ok');
  // The types ship too: a TypeScript consumer type-checks against the installed declarations only.
  writeFileSync(
    join(project, 'use.ts'),
    `
import type { JobStatus } from '@gen3d/events';
import { JobDocuments, type ExtractPorts, type NotifyPorts } from '@gen3d/jobs';
import { bindBucket, type BucketStore } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { parseJobId, type JobId } from '@gen3d/s3-keys';

const data: BucketStore = bindBucket(new InMemoryObjectStore(), 'gen3d-data-bucket');
const docs = new JobDocuments(data, () => new Date());
const id: JobId = parseJobId('0123456789abcdef');
export const state: JobStatus['state'] = 'reconstructing';
export type Ports = ExtractPorts | NotifyPorts;
export const key: string = docs.requestKey({ jobId: id, userId: 'u1' as never });
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2023',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(project, 'node_modules/@types')],
      },
      files: ['use.ts'],
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
      encoding: 'utf8',
    });
  } catch (error) {
    assert.fail(`the consumer does not type-check against the packed declarations:\n${error.stdout}`);
  }
});
