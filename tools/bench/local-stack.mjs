// What the benchmarks that drive the built local stack share: a picture made by the worker benchmark's own
// generator, and a stack started in a fresh home (JSON logs, a free port) that answers once it says `ready:`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const root = join(import.meta.dirname, '../..');

/** The worker benchmark's picture (bench/bench_worker.py): an RGBA object on a transparent background. */
export function workerPicture(size) {
  return execFileSync(
    join(root, '.venv/bin/python'),
    [
      '-c',
      `import sys; from bench.bench_worker import picture; sys.stdout.buffer.write(picture(${size}, "rgba"))`,
    ],
    { cwd: join(root, 'apps/inference-server/worker'), maxBuffer: 256 * 1024 * 1024 },
  );
}

/** Starts dist/apps/local-stack/main.js with `env`; answers its home, the child and the origin's URL once ready. */
export async function startStack(env = {}) {
  const home = mkdtempSync(join(tmpdir(), 'gen3d-bench-'));
  const stack = spawn(process.execPath, [join(root, 'dist/apps/local-stack/main.js')], {
    cwd: root,
    env: { ...process.env, GEN3D_HOME: home, GEN3D_STACK_PORT: '0', GEN3D_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    stack.once('exit', (code) => reject(new Error(`the stack exited with ${code}`)));
    createInterface({ input: stack.stdout }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line);
        if (String(parsed.msg).startsWith('ready:')) resolve(parsed.url);
      } catch {
        // not JSON
      }
    });
  });
  return { home, stack, url };
}
