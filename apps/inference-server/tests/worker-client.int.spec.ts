import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { callWorker } from '@gen3d/sidecar';

// Integration: the real embedded worker host (Python, from the repository's .venv) over loopback.
const root = join(__dirname, '../../..');
const python = join(root, '.venv/bin/python');

function startEmbeddedHost(): Promise<{ process: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(python, ['-m', 'gen3d_worker.hosts.embedded', '--port', '0'], { stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`embedded host exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({ process: child, url: `http://127.0.0.1:${port}/predictions/gen3d` });
    });
  });
}

/** A 64x64 RGBA PNG with an opaque disk, built by the worker's own test helpers. */
function diskPng(): Uint8Array {
  const script =
    'import sys; sys.path.insert(0, "apps/inference-server/worker");' +
    'from tests.pngs import rgba; from tests.shapes import disk, two_tone_rgba;' +
    'sys.stdout.buffer.write(rgba(two_tone_rgba(disk())))';
  return new Uint8Array(execFileSync(python, ['-c', script], { cwd: root }));
}

describe('callWorker against the embedded host', () => {
  let host: Awaited<ReturnType<typeof startEmbeddedHost>>;
  const png = diskPng();

  beforeAll(async () => {
    host = await startEmbeddedHost();
  }, 30_000);

  afterAll(() => {
    host.process.removeAllListeners('exit');
    host.process.kill('SIGTERM');
  });

  it('returns the PLY and the parsed report', async () => {
    const outcome = await callWorker(host.url, { image: png, options: { quality: 'fast' } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(new TextDecoder().decode(outcome.ply.subarray(0, 10))).toBe('ply\nformat');
    expect(outcome.report).toMatchObject({
      backend: 'inflate',
      mask: { source: 'alpha' },
      mesh: { watertight: true },
    });
    expect(outcome.report.mesh.bytes).toBe(outcome.ply.length);
  }, 30_000);

  it('returns the typed error for a file that is not a PNG, and the next job still works', async () => {
    const notPng = readFileSync(join(root, 'libs/events/src/fixtures/s3-put-input.json'));
    const outcome = await callWorker(host.url, { image: new Uint8Array(notPng), options: {} });
    expect(outcome).toMatchObject({ ok: false, error: { type: 'NotAPngError' } });
    expect((await callWorker(host.url, { image: png, options: { quality: 'fast' } })).ok).toBe(true);
  }, 30_000);

  it('rejects when nothing listens', async () => {
    await expect(
      callWorker('http://127.0.0.1:9/predictions/gen3d', { image: png, options: {} }),
    ).rejects.toThrow();
  });
});

describe("the job's budget reaches the worker", () => {
  it('sends X-Gen3D-Timeout-Ms with every job that has a budget', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(504, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'JobTimeoutError', message: 'budget spent' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predictions/gen3d`;
      const outcome = await callWorker(url, { image: new Uint8Array([1]), options: {}, timeoutMs: 1234.4 });
      expect(outcome).toEqual({ ok: false, error: { type: 'JobTimeoutError', message: 'budget spent' } });
      await callWorker(url, { image: new Uint8Array([1]), options: {} });
      expect(seen.map((h) => h['x-gen3d-timeout-ms'])).toEqual(['1234', undefined]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('makes the real worker stop and answer JobTimeoutError once the budget is spent', async () => {
    const host = await startEmbeddedHost();
    try {
      const script =
        'import sys; from bench.bench_worker import picture; sys.stdout.buffer.write(picture(2048, "rgb"))';
      const big = new Uint8Array(
        execFileSync(python, ['-c', script], {
          cwd: join(root, 'apps/inference-server/worker'),
          maxBuffer: 64 * 1024 * 1024,
        }),
      );
      const started = Date.now();
      const outcome = await callWorker(host.url, {
        image: big,
        options: { quality: 'high' },
        timeoutMs: 200,
      });
      expect(outcome).toMatchObject({ ok: false, error: { type: 'JobTimeoutError' } });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      host.process.removeAllListeners('exit');
      host.process.kill('SIGTERM');
    }
  }, 60_000);
});
