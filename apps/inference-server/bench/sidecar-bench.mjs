// Sidecar benchmark: overhead per job against calling the worker host directly on the same image, and throughput
// with 4 concurrent jobs. Real processes over loopback: moto S3, the built sidecar, embedded worker hosts.
//   node apps/inference-server/bench/sidecar-bench.mjs [--size 1024] [--repeat 5] [--json OUT]
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '../../..');
const python = join(root, '.venv/bin/python');
const moto = require(join(root, 'tools/testing/moto-server.cjs'));
const { S3Client, CreateBucketCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    repeat: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const size = Number(values.size);
const repeat = Number(values.repeat);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const png = execFileSync(
  python,
  [
    '-c',
    `import sys; from bench.bench_worker import picture; sys.stdout.buffer.write(picture(${size}, "rgba"))`,
  ],
  {
    cwd: join(root, 'apps/inference-server/worker'),
    maxBuffer: 256 * 1024 * 1024,
  },
);

function startProcess(command, args, env, readyLine) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = (() => {
        try {
          return JSON.parse(line);
        } catch {
          return {};
        }
      })();
      if (readyLine(parsed)) resolve({ child, line: parsed });
    });
  });
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function direct(port) {
  const form = new FormData();
  form.set('image', new Blob([png]), 'image.png');
  form.set('options', '{}');
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/predictions/gen3d`, { method: 'POST', body: form });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`direct call failed: ${response.status}`);
  return performance.now() - started;
}

let jobs = 0;
const stages = [];
async function viaSidecar(port, bucket, key) {
  jobs += 1;
  const body = JSON.stringify({
    version: 1,
    jobId: `bench-${process.pid}-${jobs}`,
    userId: 'bench',
    input: { bucket, key },
    options: {},
    requestedAt: new Date().toISOString(),
  });
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  const result = await response.json();
  if (!response.ok) throw new Error(`sidecar call failed: ${response.status}`);
  stages.push(result.timingsMs);
  return performance.now() - started;
}

await moto.setup();
const processes = [];
try {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: process.env.GEN3D_TEST_MOTO_ENDPOINT,
    forcePathStyle: true,
  });
  const bucket = `gen3d-bench-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'users/bench/input/picture.png', Body: png }));

  const worker = await startProcess(
    python,
    ['-m', 'gen3d_worker.hosts.embedded', '--port', '0', '--max-jobs', '8'],
    {},
    (l) => l.ready,
  );
  processes.push(worker.child);
  const sidecarPort = await freePort();
  const sidecar = spawn(process.execPath, [join(root, 'dist/apps/inference-server/main.js'), 'serve'], {
    env: {
      ...process.env,
      DATA_BUCKET: bucket,
      S3_ENDPOINT: process.env.GEN3D_TEST_MOTO_ENDPOINT,
      PORT: String(sidecarPort),
      WORKER_PYTHON: python,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  processes.push(sidecar);
  // The sidecar logs at warn level here: wait for its /ping rather than a log line.
  for (let i = 0; ; i += 1) {
    try {
      if ((await fetch(`http://127.0.0.1:${sidecarPort}/ping`)).ok) break;
    } catch {
      // starting
    }
    if (i > 600) throw new Error('the sidecar did not get ready in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }

  await direct(worker.line.port);
  await viaSidecar(sidecarPort, bucket, 'users/bench/input/picture.png');
  stages.length = 0;
  const directMs = [];
  const sidecarMs = [];
  for (let i = 0; i < repeat; i += 1) {
    directMs.push(await direct(worker.line.port));
    sidecarMs.push(await viaSidecar(sidecarPort, bucket, 'users/bench/input/picture.png'));
  }
  const measured = stages.splice(0);
  const storageMs = median(measured.map((t) => t.download + t.upload));
  const started = performance.now();
  const concurrent = 8;
  await Promise.all(
    Array.from({ length: concurrent }, () =>
      viaSidecar(sidecarPort, bucket, 'users/bench/input/picture.png'),
    ),
  );
  const seconds = (performance.now() - started) / 1000;

  const result = {
    size,
    repeat,
    directMs: median(directMs),
    sidecarMs: median(sidecarMs),
    overheadMs: median(sidecarMs) - median(directMs),
    overheadPct: (100 * (median(sidecarMs) - median(directMs))) / median(directMs),
    storageMs,
    ownOverheadMs: median(sidecarMs) - storageMs - median(directMs),
    throughputJobsPerSecond: concurrent / seconds,
  };
  console.log(`sidecar benchmark, ${size}² RGBA, median of ${repeat} (moto S3 on loopback)`);
  const row = [
    result.directMs.toFixed(0),
    result.sidecarMs.toFixed(0),
    result.overheadMs.toFixed(0),
    `${result.overheadPct.toFixed(1)}%`,
    result.storageMs.toFixed(0),
    result.ownOverheadMs.toFixed(0),
    result.throughputJobsPerSecond.toFixed(2),
  ];
  console.log(
    '| direct to worker (ms) | through sidecar (ms) | overhead (ms) | overhead | of which S3 I/O (ms) | sidecar itself (ms) | 8 jobs, 4 at once (jobs/s) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| ${row.join(' | ')} |`);
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
} finally {
  await Promise.all(
    processes.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
  await moto.teardown();
}
