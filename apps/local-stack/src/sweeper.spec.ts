import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@gen3d/logging';
import { bindBucket, FolderObjectStore, type BucketStore } from '@gen3d/object-store';
import { buildJobDocumentKey, buildJobIndexKey } from '@gen3d/s3-keys';
import { sweepExpired, Sweeper } from './sweeper';

const BUCKET = 'gen3d-data-bucket';
const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2026-01-01T12:00:00Z');
const log = createLogger({ service: 'test', level: 'silent' });

let dir: string;
let now: number;
let data: BucketStore;
const clock = () => new Date(now);
const at = (day: number, minutes = 0) => (now = T0 + day * DAY + minutes * 60_000);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-sweeper-'));
  now = T0;
  data = bindBucket(new FolderObjectStore({ root: dir, emitEvents: false, now: clock }), BUCKET);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (key: string, body: unknown = 'x') =>
  data.put(key, typeof body === 'string' ? body : JSON.stringify(body), { contentType: 'application/json' });
const versionsOf = async (prefix: string) =>
  (await data.listVersions(prefix)).map(
    (v) => `${v.key}@${new Date(v.lastModified ?? 0).toISOString().slice(0, 10)}`,
  );

/** A job as the pipeline leaves it: upload, request, index at `day`; mesh and report 10 minutes later; the status. */
async function job(user: string, jobId: string, name: string, day: number, statusMinutes = 10) {
  at(day);
  const input = `users/${user}/input/${name}.png`;
  const upload = await put(input, 'png');
  await put(buildJobDocumentKey({ userId: user, jobId, document: 'request' }), {
    version: 1,
    jobId,
    userId: user,
    input: { bucket: BUCKET, key: input, versionId: upload.versionId },
    options: {},
    requestedAt: clock().toISOString(),
  });
  await put(buildJobIndexKey(jobId), { userId: user });
  at(day, 10);
  const mesh = await put(`users/${user}/output/${name}.ply`, 'ply');
  const report = await put(`users/${user}/output/${name}.report.json`, {});
  at(day, statusMinutes);
  await put(buildJobDocumentKey({ userId: user, jobId, document: 'status' }), {
    version: 2,
    jobId,
    userId: user,
    name,
    state: 'done',
    queuedAt: new Date(T0 + day * DAY).toISOString(),
    updatedAt: clock().toISOString(),
    meshKey: `users/${user}/output/${name}.ply`,
    meshVersionId: mesh.versionId,
    reportVersionId: report.versionId,
  });
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sweepExpired', () => {
  it('deletes every version under users/ older than the retention, noncurrent and hidden ones too, and nothing else', async () => {
    await put('users/u1/input/chair.png', 'first');
    await put('users/u1/input/lamp.png');
    await data.delete('users/u1/input/lamp.png'); // hidden, its version still stored
    for (const key of ['public/index.html', 'api/users/u1.json', 'rejected/0123456789abcdef.failure.json']) {
      await put(key);
    }
    at(20);
    await put('users/u1/input/chair.png', 'second');

    at(30, 23 * 60); // the retention and its day of grace
    expect(await sweepExpired(data, 30, clock())).toEqual({ versions: 0, jobs: [] });

    at(31, 1);
    expect(await sweepExpired(data, 30, clock())).toEqual({ versions: 2, jobs: [] });
    expect(await versionsOf('users/')).toEqual(['users/u1/input/chair.png@2026-01-21']);
    expect(await data.getText('users/u1/input/chair.png')).toBe('second');
    for (const key of ['public/index.html', 'api/users/u1.json', 'rejected/0123456789abcdef.failure.json']) {
      expect(await data.head(key)).toBeDefined();
    }
  });

  it('removes the documents and index entry of a job whose files are gone, though its status is younger', async () => {
    await job('u1', '0123456789abcdef', 'chair', 0, 90);
    await job('u1', 'fedcba9876543210', 'lamp', 5);

    at(31, 30); // the upload, request, index, mesh and report are past 30 days and a day; the status is not yet
    const outcome = await sweepExpired(data, 30, clock());

    expect(outcome.jobs).toEqual(['0123456789abcdef']);
    expect(outcome.versions).toBe(6);
    expect(await versionsOf('users/u1/jobs/0123456789abcdef/')).toEqual([]);
    expect(await versionsOf('jobs/0123456789abcdef')).toEqual([]);
    expect(await versionsOf('users/u1/jobs/fedcba9876543210/')).toHaveLength(2);
    expect(await data.head(buildJobIndexKey('fedcba9876543210'))).toBeDefined();
  });

  it('keeps the documents of a job that still has a file (a retry of an expired upload) and of one that names none', async () => {
    await job('u1', '0123456789abcdef', 'chair', 0);
    // The retry, on day 20, of the day-0 upload: its own mesh and report are 10 days old on day 30.
    at(20);
    const upload = (await data.listVersions('users/u1/input/chair.png'))[0];
    await put(buildJobDocumentKey({ userId: 'u1', jobId: 'aaaaaaaabbbbbbbb', document: 'request' }), {
      version: 1,
      jobId: 'aaaaaaaabbbbbbbb',
      userId: 'u1',
      input: { bucket: BUCKET, key: 'users/u1/input/chair.png', versionId: upload?.versionId },
      options: {},
      requestedAt: clock().toISOString(),
    });
    const mesh = await put('users/u1/output/chair-2.ply', 'ply');
    await put(buildJobDocumentKey({ userId: 'u1', jobId: 'aaaaaaaabbbbbbbb', document: 'status' }), {
      version: 2,
      jobId: 'aaaaaaaabbbbbbbb',
      userId: 'u1',
      name: 'chair-2',
      state: 'done',
      queuedAt: clock().toISOString(),
      updatedAt: clock().toISOString(),
      meshKey: 'users/u1/output/chair-2.ply',
      meshVersionId: mesh.versionId,
    });
    // An upload refused before any request: a lock and a failure document only.
    at(25);
    await put(buildJobDocumentKey({ userId: 'u1', jobId: 'cccccccc00000000', document: 'extract-lock' }), {});

    at(32);
    const outcome = await sweepExpired(data, 30, clock());

    expect(outcome.jobs).toEqual(['0123456789abcdef']);
    expect(await versionsOf('users/u1/input/')).toEqual([]);
    expect(await versionsOf('users/u1/jobs/aaaaaaaabbbbbbbb/')).toHaveLength(2);
    expect(await versionsOf('users/u1/jobs/cccccccc00000000/')).toHaveLength(1);
  });
});

describe('Sweeper', () => {
  it('sweeps at start and then every interval, and stop waits for a sweep in progress', async () => {
    await put('users/u1/input/old.png');
    at(10);
    await put('users/u1/input/newer.png');
    at(32);
    const sweeper = new Sweeper({ data, retentionDays: 30, clock, log, intervalMs: 30 });
    sweeper.start();
    await until(async () => (await versionsOf('users/')).length === 1);
    expect(await versionsOf('users/')).toEqual(['users/u1/input/newer.png@2026-01-11']);

    at(42); // the next sweeps see the new day
    await until(async () => (await versionsOf('users/')).length === 0);
    await sweeper.stop();
    await put('users/u1/input/later.png');
    at(80);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await versionsOf('users/')).toHaveLength(1); // stopped: no sweep since
  });

  it('logs a failed sweep instead of throwing, and tries again at the next interval', async () => {
    const lines: { msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { msg: string });
        done();
      },
    });
    let calls = 0;
    const failing = {
      listVersions: async () => {
        calls += 1;
        throw new Error('disk gone');
      },
    } as unknown as BucketStore;
    const sweeper = new Sweeper({
      data: failing,
      retentionDays: 30,
      clock,
      log: createLogger({ service: 'test', level: 'error', destination }),
      intervalMs: 20,
    });
    sweeper.start();
    await new Promise((resolve) => setTimeout(resolve, 70));
    await sweeper.stop();
    const failures = lines.filter((line) => line.msg === 'sweep failed; trying again later');
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(calls).toBeGreaterThanOrEqual(failures.length);
  });
});
