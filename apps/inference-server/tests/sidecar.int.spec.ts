import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { parseFailureDocument, parseInferenceResult, parseJobReport, parseJobStatus } from '@gen3d/events';
import { freePort } from '@gen3d/sidecar';

// Integration: the built sidecar (node dist/apps/inference-server/main.js serve) as a real process, driving the real
// embedded worker host, reading and writing a real moto S3 over loopback.
const root = join(__dirname, '../../..');
const python = join(root, '.venv/bin/python');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });

/** The test pictures, made once by the worker's own helpers: a disk with alpha, a big photo, a photo and a mask. */
const PICTURES = (() => {
  const script = [
    'import base64, json, sys',
    'from tests.pngs import encode, rgb, rgba',
    'from tests.shapes import disk, photo, square, two_tone_rgba',
    'from bench.bench_worker import picture',
    'out = {"disk": rgba(two_tone_rgba(disk())), "big": picture(2048, "rgb"), "photo": rgb(photo(disk())),',
    '       "squareMask": encode(square(), greyscale=True, bitdepth=8)}',
    'sys.stdout.write(json.dumps({k: base64.b64encode(v).decode() for k, v in out.items()}))',
  ].join('\n');
  const encoded = JSON.parse(
    execFileSync(python, ['-c', script], {
      cwd: join(root, 'apps/inference-server/worker'),
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    }),
  ) as Record<'disk' | 'big' | 'photo' | 'squareMask', string>;
  return Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, Buffer.from(v, 'base64')])) as Record<
    keyof typeof encoded,
    Buffer
  >;
})();

function png(kind: 'disk' | 'big' | 'photo' | 'squareMask'): Buffer {
  return PICTURES[kind];
}

/** What a PNG's first chunk (IHDR) says: colour type 0 is grey, 2 is RGB. */
function pngHeader(bytes: Buffer) {
  return {
    signature: bytes.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    bitDepth: bytes[24],
    colourType: bytes[25],
  };
}

interface Sidecar {
  readonly process: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    after?: number,
  ): Promise<Record<string, unknown>>;
}

async function startSidecar(
  bucket: string,
  env: NodeJS.ProcessEnv = {},
  readyLog = 'worker ready',
): Promise<Sidecar> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/apps/inference-server/main.js'), 'serve'], {
    env: {
      ...process.env,
      DATA_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      PORT: String(port),
      WORKER_PYTHON: python,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  const sidecar: Sidecar = {
    process: child,
    url: `http://127.0.0.1:${port}`,
    logs,
    async waitForLog(predicate, after = 0) {
      for (;;) {
        const found = logs.slice(after).find(predicate);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`sidecar exited: ${JSON.stringify(logs.slice(-5))}`);
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
  };
  await sidecar.waitForLog((l) => l['msg'] === readyLog);
  return sidecar;
}

let counter = 0;
function request(bucket: string, key: string, options: Record<string, unknown> = {}) {
  counter += 1;
  return {
    version: 1,
    jobId: `job-${Date.now().toString(36)}-${counter}`,
    userId: key.split('/')[1],
    input: { bucket, key },
    options,
    requestedAt: new Date().toISOString(),
  };
}

async function invoke(sidecar: Sidecar, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${sidecar.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function keys(bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

async function newBucket(): Promise<string> {
  const bucket = `gen3d-test-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  return bucket;
}

async function stop(sidecar: Sidecar): Promise<void> {
  if (sidecar.process.exitCode !== null) return;
  const exited = new Promise((resolve) => sidecar.process.once('exit', resolve));
  sidecar.process.kill('SIGTERM');
  await exited;
}

/** The most jobs the worker host ran at once, from the start/finish times each report records. */
function peakConcurrency(hosts: readonly { startedAtMs: number; finishedAtMs: number }[]): number {
  const events = hosts.flatMap((h) => [
    [h.startedAtMs, 1],
    [h.finishedAtMs, -1],
  ]) as [number, number][];
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (now += delta));
  return peak;
}

describe('sidecar with the embedded worker and moto S3', () => {
  let bucket: string;
  let sidecar: Sidecar;
  const disk = png('disk');

  beforeAll(async () => {
    bucket = await newBucket();
    sidecar = await startSidecar(bucket);
  }, 60_000);

  afterAll(() => stop(sidecar));

  it('answers /ping once the worker is ready', async () => {
    const response = await fetch(`${sidecar.url}/ping`);
    expect(response.status).toBe(200);
  });

  it('runs a job end to end: PLY, report and status under the user prefix', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u1/input/my chair (1).png', Body: disk }),
    );
    const job = request(bucket, 'users/u1/input/my chair (1).png', { quality: 'fast' });
    const { status, json } = await invoke(sidecar, job);
    expect(status).toBe(200);
    expect(parseInferenceResult(json)).toMatchObject({
      meshKey: 'users/u1/output/my chair (1).ply',
      reportKey: 'users/u1/output/my chair (1).report.json',
    });
    const ply = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'users/u1/output/my chair (1).ply' }),
    );
    const bytes = await ply.Body!.transformToByteArray();
    expect(Buffer.from(bytes.subarray(0, 36)).toString('latin1')).toBe(
      'ply\nformat binary_little_endian 1.0\n',
    );
    const report = parseJobReport(JSON.parse(await text(bucket, 'users/u1/output/my chair (1).report.json')));
    expect(report.output.bytes).toBe(bytes.length);
    expect(report.worker.mesh.watertight).toBe(true);
    expect(Object.keys(report.timingsMs)).toEqual(expect.arrayContaining(['download', 'worker', 'total']));
    expect(Object.keys(parseInferenceResult(json).timingsMs ?? {})).toContain('upload');
    const statusDoc = parseJobStatus(
      JSON.parse(await text(bucket, `users/u1/jobs/${job.jobId}/status.json`)),
    );
    expect(statusDoc).toMatchObject({ version: 2, state: 'done', name: 'my chair (1)' });
    expect(Date.parse(statusDoc.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(statusDoc.startedAt!));
    const mesh = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'users/u1/output/my chair (1).ply', Range: 'bytes=0-0' }),
    );
    expect(mesh.Metadata).toMatchObject({ 'job-id': job.jobId, backend: 'inflate' });
    expect(mesh.Metadata?.['report-version-id']).toBeTruthy();
    expect(sidecar.logs.filter((l) => l['jobId'] === job.jobId).length).toBeGreaterThan(1);
    // The pictures: stored before the report (which names the version of each, so each existed when it was
    // written), as PNGs naming their job: the thumbnail 512 x 512, the mask 8-bit grey at the picture's size.
    expect(report.output.images?.map((i) => [i.image, i.key])).toEqual([
      ['thumbnail', 'users/u1/output/my chair (1).thumb.png'],
      ['mask', 'users/u1/output/my chair (1).mask.png'],
    ]);
    const pictures = [];
    for (const image of report.output.images!) {
      expect(image.versionId).toBeTruthy();
      const out = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: image.key, VersionId: image.versionId }),
      );
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      expect(bytes.length).toBe(image.bytes);
      expect(out.ContentType).toBe('image/png');
      expect(out.Metadata).toEqual({ 'job-id': job.jobId });
      pictures.push(pngHeader(bytes));
    }
    const input = pngHeader(disk);
    expect(pictures).toEqual([
      { signature: true, width: 512, height: 512, bitDepth: 8, colourType: 2 },
      { signature: true, width: input.width, height: input.height, bitDepth: 8, colourType: 0 },
    ]);
  });

  it('writes every format asked for next to the PLY, the PLY last, each readable by an independent reader', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u9/input/cup.png', Body: png('photo') }),
    );
    const job = request(bucket, 'users/u9/input/cup.png', {
      quality: 'fast',
      formats: ['glb', 'ply', 'stl'],
      targetFaces: 800,
    });
    const { status } = await invoke(sidecar, job);
    expect(status).toBe(200);
    const report = parseJobReport(JSON.parse(await text(bucket, 'users/u9/output/cup.report.json')));
    // The files in the order asked; the extra formats were written before the report, which names their versions.
    expect(report.output.files?.map((f) => [f.format, f.key])).toEqual([
      ['glb', 'users/u9/output/cup.glb'],
      ['ply', 'users/u9/output/cup.ply'],
      ['stl', 'users/u9/output/cup.stl'],
    ]);
    const object = async (key: string, versionId?: string) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return { bytes: Buffer.from(await out.Body!.transformToByteArray()), out };
    };
    for (const file of report.output.files!.filter((f) => f.format !== 'ply')) {
      expect(file.versionId).toBeTruthy();
      const { bytes, out } = await object(file.key, file.versionId);
      expect(bytes.length).toBe(file.bytes);
      expect(report.worker.mesh.formats?.[file.format]).toBe(file.bytes);
      expect(out.Metadata).toMatchObject({ 'job-id': job.jobId });
      expect(out.ContentType).toBe(file.format === 'glb' ? 'model/gltf-binary' : 'model/stl');
    }
    // The PLY, last, names the report's version (the report was written before it).
    const ply = await object('users/u9/output/cup.ply');
    const reportHead = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'users/u9/output/cup.report.json', Range: 'bytes=0-0' }),
    );
    expect(ply.out.Metadata?.['report-version-id']).toBe(reportHead.VersionId);
    expect(report.output.bytes).toBe(ply.bytes.length);
    // Decimated to about the budget, and said so.
    const { faces, decimation } = report.worker.mesh;
    expect(decimation).toMatchObject({ targetFaces: 800, applied: true });
    expect(faces).toBeLessThanOrEqual(1000);
    // GLB: magic, version 2, total length, a JSON chunk naming the positions and vertex colours.
    const glb = (await object('users/u9/output/cup.glb')).bytes;
    expect(glb.toString('latin1', 0, 4)).toBe('glTF');
    expect(glb.readUInt32LE(4)).toBe(2);
    expect(glb.readUInt32LE(8)).toBe(glb.length);
    expect(glb.toString('latin1', 16, 20)).toBe('JSON');
    const gltf = JSON.parse(glb.toString('utf8', 20, 20 + glb.readUInt32LE(12))) as {
      meshes: { primitives: { attributes: Record<string, number> }[] }[];
    };
    expect(Object.keys(gltf.meshes[0]!.primitives[0]!.attributes)).toEqual(
      expect.arrayContaining(['POSITION', 'COLOR_0']),
    );
    // Binary STL: 80-byte header, triangle count, 50 bytes per triangle.
    const stl = (await object('users/u9/output/cup.stl')).bytes;
    expect(stl.length).toBe(84 + 50 * stl.readUInt32LE(80));
    expect(stl.readUInt32LE(80)).toBe(faces);
    // And trimesh, an independent reader, loads each file as the same closed mesh.
    const dir = mkdtempSync(join(tmpdir(), 'gen3d-formats-'));
    try {
      writeFileSync(join(dir, 'cup.glb'), glb);
      writeFileSync(join(dir, 'cup.stl'), stl);
      writeFileSync(join(dir, 'cup.ply'), ply.bytes);
      const checked = JSON.parse(
        execFileSync(
          python,
          [
            '-c',
            [
              'import json, sys, trimesh',
              'out = {}',
              'for name in sys.argv[1:]:',
              '    m = trimesh.load(name, force="mesh")',
              '    out[name.rsplit(".", 1)[1]] = [len(m.faces), bool(m.is_watertight), bool(m.volume > 0)]',
              'print(json.dumps(out))',
            ].join('\n'),
            ...['glb', 'stl', 'ply'].map((f) => join(dir, `cup.${f}`)),
          ],
          { encoding: 'utf8' },
        ),
      ) as Record<string, [number, boolean, boolean]>;
      expect(checked).toEqual({
        glb: [faces, true, true],
        stl: [faces, true, true],
        ply: [faces, true, true],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a job whose prompt the worker refuses with an InvalidRequestError failure document, and no mesh', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u10/input/far.png', Body: png('photo') }),
    );
    const { status, json } = await invoke(
      sidecar,
      request(bucket, 'users/u10/input/far.png', {
        formats: ['ply', 'glb'],
        box: { x0: 0, y0: 0, x1: 20_000, y1: 20_000 },
      }),
    );
    expect(status).toBe(400);
    expect(parseFailureDocument(json)).toMatchObject({
      stage: 'reconstruction',
      error: { type: 'InvalidRequestError' },
      retryable: false,
    });
    const written = (await keys(bucket)).filter((k) => k.startsWith('users/u10/output/'));
    expect(written).toEqual(['users/u10/output/far.failure.json']);
    // A bad option in the request document itself is refused before any work (extract refuses it earlier still).
    const bad = await invoke(sidecar, request(bucket, 'users/u10/input/far.png', { formats: ['fbx'] }));
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: 'InvalidRequestError' } });
  });

  it('refuses a malformed request with 400 and writes nothing', async () => {
    const before = await keys(bucket);
    expect((await invoke(sidecar, '{"version": 1')).status).toBe(400);
    const bad = await invoke(sidecar, { ...request(bucket, 'users/u1/input/x.png'), userId: '../u2' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: 'InvalidRequestError' } });
    const foreign = await invoke(sidecar, request(bucket, 'users/u1/output/x.ply'));
    expect(foreign.status).toBe(400);
    expect(await keys(bucket)).toEqual(before);
  });

  it('fails a job whose input is missing with a failure document and no PLY', async () => {
    const { status, json } = await invoke(sidecar, request(bucket, 'users/u2/input/gone.png'));
    expect(status).toBe(404);
    expect(parseFailureDocument(json)).toMatchObject({
      stage: 'download',
      error: { type: 'InputMissingError' },
    });
    expect(await keys(bucket)).toContain('users/u2/output/gone.failure.json');
    expect(await keys(bucket)).not.toContain('users/u2/output/gone.ply');
  });

  it('fails a corrupt PNG with the worker error type, and no PLY', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u3/input/broken.png', Body: disk.subarray(0, 200) }),
    );
    const { status, json } = await invoke(sidecar, request(bucket, 'users/u3/input/broken.png'));
    expect(status).toBe(422);
    expect(parseFailureDocument(json).error.type).toBe('CorruptImageError');
    const failure = parseFailureDocument(
      JSON.parse(await text(bucket, 'users/u3/output/broken.failure.json')),
    );
    expect(failure).toMatchObject({ retryable: false, stage: 'reconstruction' });
    expect(await keys(bucket)).not.toContain('users/u3/output/broken.ply');
  });

  it("reads the user's mask from the same user's masks/ area, and refuses another user's", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u6/input/photo.png', Body: png('photo') }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u6/masks/photo.png', Body: png('squareMask') }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/u7/masks/photo.png', Body: png('squareMask') }),
    );
    const own = await invoke(
      sidecar,
      request(bucket, 'users/u6/input/photo.png', { quality: 'fast', maskKey: 'users/u6/masks/photo.png' }),
    );
    expect(own.status).toBe(200);
    const report = parseJobReport(JSON.parse(await text(bucket, 'users/u6/output/photo.report.json')));
    // The square mask, not the disk in the photo: 136 x 136 pixels.
    expect(report.worker.mask).toEqual({ source: 'user-mask', area: 136 * 136 });
    const foreign = await invoke(
      sidecar,
      request(bucket, 'users/u6/input/photo.png', { maskKey: 'users/u7/masks/photo.png' }),
    );
    expect(foreign.status).toBe(400);
    expect(parseFailureDocument(foreign.json).error).toMatchObject({
      type: 'InvalidRequestError',
      message: 'the mask belongs to another user',
    });
  });

  it("ends a job within the request's InvocationTimeoutSeconds, with a retryable timeout", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'users/u8/input/slow.png', Body: png('big') }));
    const started = Date.now();
    const { status, json } = await invoke(sidecar, {
      ...request(bucket, 'users/u8/input/slow.png', { quality: 'high' }),
      // 15 s are the sidecar's own margin: one second is left for the worker.
      invocationTimeoutSeconds: 16,
    });
    expect(status).toBe(504);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(parseFailureDocument(json)).toMatchObject({ error: { type: 'JobTimeoutError' }, retryable: true });
    expect(await keys(bucket)).toContain('users/u8/output/slow.failure.json');
    expect(await keys(bucket)).not.toContain('users/u8/output/slow.ply');
  });

  it('fails the job in flight when the worker dies, restarts it, and the next job succeeds', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'users/u5/input/big.png', Body: png('big') }));
    const ready = sidecar.logs.filter((l) => l['msg'] === 'worker ready');
    const workerPid = ready[ready.length - 1]!['pid'] as number;
    const mark = sidecar.logs.length;
    const job = request(bucket, 'users/u5/input/big.png', { quality: 'high' });
    const pending = invoke(sidecar, job);
    await sidecar.waitForLog((l) => l['jobId'] === job.jobId && l['msg'] === 'calling the worker', mark);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(workerPid, 'SIGKILL');
    const { status, json } = await pending;
    expect(status).toBe(503);
    expect(parseFailureDocument(json)).toMatchObject({
      error: { type: 'WorkerCrashedError' },
      retryable: true,
    });
    await sidecar.waitForLog((l) => l['msg'] === 'worker ready' && l['pid'] !== workerPid, mark);
    const next = await invoke(
      sidecar,
      request(bucket, 'users/u1/input/my chair (1).png', { quality: 'fast' }),
    );
    expect(next.status).toBe(200);
  });
});

describe('sidecar without a worker', () => {
  it('answers /ping 503 while the worker cannot start, and fails jobs retryably meanwhile', async () => {
    const bucket = await newBucket();
    const sidecar = await startSidecar(bucket, { WORKER_PYTHON: '/nonexistent/python' }, 'listening');
    try {
      const ping = await fetch(`${sidecar.url}/ping`);
      expect(ping.status).toBe(503);
      expect(await ping.json()).toEqual({ status: 'starting' });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'users/u1/input/a.png', Body: png('disk') }));
      const { status, json } = await invoke(sidecar, request(bucket, 'users/u1/input/a.png'));
      expect(status).toBe(503);
      expect(parseFailureDocument(json)).toMatchObject({
        error: { type: 'WorkerCrashedError' },
        retryable: true,
      });
      await sidecar.waitForLog((l) => l['msg'] === 'worker died; restarting');
    } finally {
      const exited = new Promise((resolve) => sidecar.process.once('exit', resolve));
      sidecar.process.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});

describe("the sidecar's own limits", () => {
  // A worker host with more slots (8) than the sidecar allows (2): whatever runs at most 2 at once is the sidecar.
  let bucket: string;
  let sidecar: Sidecar;

  beforeAll(async () => {
    bucket = await newBucket();
    sidecar = await startSidecar(bucket, {
      MAX_CONCURRENT_INVOCATIONS: '2',
      MAX_QUEUED_INVOCATIONS: '1',
      WORKER_MAX_JOBS: '8',
      MAX_REQUEST_BYTES: '4096',
    });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: `users/u4/input/p${i}.png`, Body: png('big') })),
      ),
    );
  }, 60_000);

  afterAll(() => stop(sidecar));

  it('runs at most MAX_CONCURRENT_INVOCATIONS jobs in the worker at once, though the worker has more slots', async () => {
    const results = await Promise.all(
      Array.from({ length: 3 }, (_, i) => invoke(sidecar, request(bucket, `users/u4/input/p${i}.png`))),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const hosts = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const report = parseJobReport(JSON.parse(await text(bucket, `users/u4/output/p${i}.report.json`)));
        return report.worker.host!;
      }),
    );
    expect(peakConcurrency(hosts)).toBe(2);
  });

  it('answers 429 beyond the queue and writes the failure document, so that the user hears of it', async () => {
    const jobs = Array.from({ length: 4 }, (_, i) => request(bucket, `users/u4/input/p${i}.png`));
    const results = await Promise.all(jobs.map((job) => invoke(sidecar, job)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
    const refused = jobs[results.findIndex((r) => r.status === 429)]!;
    const failure = parseFailureDocument(results.find((r) => r.status === 429)!.json);
    expect(failure).toMatchObject({
      jobId: refused.jobId,
      stage: 'queue',
      error: { type: 'OverloadedError' },
    });
    const name = refused.input.key.split('/').pop()!.replace('.png', '');
    const stored = parseFailureDocument(
      JSON.parse(await text(bucket, `users/u4/output/${name}.failure.json`)),
    );
    expect(stored).toMatchObject({ jobId: refused.jobId, retryable: true });
    const status = parseJobStatus(
      JSON.parse(await text(bucket, `users/u4/jobs/${refused.jobId}/status.json`)),
    );
    expect(status).toMatchObject({ state: 'failed', error: { code: 'OverloadedError' } });
  });

  it('refuses an oversized body before it is read, and parses a body only once a job slot is free', async () => {
    const mark = sidecar.logs.length;
    const running = [0, 1].map((i) => invoke(sidecar, request(bucket, `users/u4/input/p${i}.png`)));
    const first = await sidecar.waitForLog((l) => l['msg'] === 'calling the worker', mark);
    await sidecar.waitForLog((l) => l['msg'] === 'calling the worker', sidecar.logs.indexOf(first) + 1);
    // Both slots are busy. A body over MAX_REQUEST_BYTES is refused from its Content-Length at once...
    const oversized = await invoke(sidecar, 'x'.repeat(5000));
    expect(oversized.status).toBe(413);
    // A streamed (chunked) body has no Content-Length: it is cut off at the limit while read, and still answered.
    const streamed = await fetch(`${sidecar.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 64; i += 1) controller.enqueue(new Uint8Array(1024).fill(32));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // ...while a malformed one waits for a slot before it is parsed at all.
    const malformed = await invoke(sidecar, '{"version": 1');
    expect(malformed.status).toBe(400);
    await Promise.all(running);
    // The sidecar's log lines arrive through a pipe, after its answers: wait for the last one counted below.
    await sidecar.waitForLog(
      (l) => l['msg'] === 'invocation refused' && !String(l['reason']).includes('bytes'),
      mark,
    );
    await sidecar.waitForLog((l) => l['msg'] === 'job succeeded', mark);
    const order = sidecar.logs
      .slice(mark)
      .filter((l) => l['msg'] === 'job succeeded' || l['msg'] === 'invocation refused')
      .map((l) =>
        l['msg'] === 'job succeeded' ? 'done' : String(l['reason']).includes('bytes') ? '413' : '400',
      );
    expect(order.indexOf('413')).toBeLessThan(order.indexOf('done'));
    expect(order.indexOf('400')).toBeGreaterThan(order.indexOf('done'));
  });
});

describe('sidecar shutdown', () => {
  it('finishes the job in flight on SIGTERM, then exits 0 and stops the worker', async () => {
    const bucket = await newBucket();
    const sidecar = await startSidecar(bucket, { SHUTDOWN_GRACE_SECONDS: '20' });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'users/u1/input/a.png', Body: png('disk') }));
    const workerPid = sidecar.logs.find((l) => l['msg'] === 'worker ready')!['pid'] as number;
    const job = request(bucket, 'users/u1/input/a.png', { quality: 'standard' });
    const pending = invoke(sidecar, job);
    await sidecar.waitForLog((l) => l['jobId'] === job.jobId && l['msg'] === 'calling the worker');
    const exited = new Promise<number | null>((resolve) => sidecar.process.once('exit', resolve));
    sidecar.process.kill('SIGTERM');
    expect((await pending).status).toBe(200);
    expect(await exited).toBe(0);
    expect(() => process.kill(workerPid, 0)).toThrow();
  }, 60_000);
});
