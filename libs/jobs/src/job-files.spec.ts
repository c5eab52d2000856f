import { jobReportOf, reportOutputOf } from '@gen3d/events/testing';
import { buildInputKey, MAX_NAME_BYTES, parseInputKey, utf8Bytes } from '@gen3d/s3-keys';
import { extractObject } from './extract';
import { BUCKET, coreWorld, invocation, objectOf, PNG } from './fixtures/core-world';
import {
  copyJobInput,
  deleteJobVersions,
  jobVersionsOf,
  readJobRequest,
  retryAsOperator,
  retryNameOf,
  retryOptionsOf,
} from './job-files';
import { RetryRefusedError } from './errors';
import { confirmAddress } from './web';
import { jobIdFor } from './job-id';
import { readJobStatus } from './job-read';

// Deleting a job removes every version it made or was made from, and nothing of another job under the same name.
const world = () => coreWorld(new Date('2026-11-27T05:00:00Z'));
type World = ReturnType<typeof world>;

/** An upload through the extract core (request, status, index, lock written), then the sidecar's outputs. */
async function runJob(w: World, options: { mask?: boolean; glb: string; thumbnail: string }) {
  if (options.mask) await w.put('users/u1/masks/cup.png', PNG, {}, 'image/png');
  const record = await w.upload(
    'users/u1/input/cup.png',
    PNG,
    options.mask ? { mask: 'users/u1/masks/cup.png', email: 'a@example.com' } : {},
  );
  const outcome = await extractObject(objectOf(record), w.extractPorts, invocation());
  if (outcome.status !== 'started') throw new Error(`not started: ${outcome.status}`);
  const jobId = outcome.jobId;
  const input = parseInputKey('users/u1/input/cup.png');
  const { written: glb } = await w.put('users/u1/output/cup.glb', options.glb);
  const { written: thumb } = await w.put('users/u1/output/cup.thumb.png', options.thumbnail);
  const report = jobReportOf({
    jobId,
    input: { bucket: BUCKET, key: input.key, versionId: record.versionId },
    output: {
      ...reportOutputOf(BUCKET, 'users/u1/output/cup.ply', [
        { format: 'glb', key: 'users/u1/output/cup.glb', bytes: 3, versionId: glb.versionId! },
      ]),
      images: [
        { image: 'thumbnail', key: 'users/u1/output/cup.thumb.png', bytes: 3, versionId: thumb.versionId! },
      ],
    },
  });
  const { written: mesh, reportWritten } = await w.storeResult(report);
  const request = (await readJobRequest(w.data, { userId: input.userId, jobId }))!;
  const status = await w.docs.writeStatus({ ...request, name: 'cup' }, 'done', {
    meshKey: 'users/u1/output/cup.ply',
    meshVersionId: mesh.versionId!,
    reportVersionId: reportWritten.versionId!,
  });
  return { status, uploadVersion: record.versionId };
}

const everything = async (w: World) =>
  (await w.data.listVersions('')).map((v) => `${v.key}@${v.versionId}${v.deleteMarker ? ' (marker)' : ''}`);

describe('a job’s stored versions', () => {
  it('finds what the job made and was made from, at its own versions only', async () => {
    const w = world();
    const first = await runJob(w, { mask: true, glb: 'one', thumbnail: 't-1' });
    await runJob(w, { glb: 'two', thumbnail: 't-2' });
    const versions = await jobVersionsOf(w.data, first.status);
    const roles = versions.map((v) => `${v.role} ${v.key}`).sort();
    expect(roles).toEqual(
      [
        'document jobs/' + first.status.jobId + '.json',
        // Every version: the lock (starting, invoked) and the status (queued, done) twice each.
        `document users/u1/jobs/${first.status.jobId}/extract.lock`,
        `document users/u1/jobs/${first.status.jobId}/extract.lock`,
        `document users/u1/jobs/${first.status.jobId}/request.json`,
        `document users/u1/jobs/${first.status.jobId}/status.json`,
        `document users/u1/jobs/${first.status.jobId}/status.json`,
        'input users/u1/input/cup.png',
        'mask users/u1/masks/cup.png',
        'output users/u1/output/cup.glb',
        'output users/u1/output/cup.ply',
        'output users/u1/output/cup.report.json',
        'output users/u1/output/cup.thumb.png',
      ].sort(),
    );
    expect(versions.find((v) => v.role === 'input')?.versionId).toBe(first.uploadVersion);
  });

  it('deletes every version of one job and leaves the later job under the same name whole', async () => {
    const w = world();
    const first = await runJob(w, { mask: true, glb: 'one', thumbnail: 't-1' });
    const second = await runJob(w, { glb: 'two', thumbnail: 't-2' });
    const before = await everything(w);

    const counts = await deleteJobVersions(w.data, first.status);

    expect(counts).toEqual({ input: 1, mask: 1, output: 4, document: 6 });
    const after = await everything(w);
    // Nothing of the first job is left, in any version; the mask (its only) is gone as a key.
    expect(after.filter((v) => v.includes(first.status.jobId))).toEqual([]);
    expect(after.filter((v) => v.startsWith('users/u1/masks/'))).toEqual([]);
    expect(after.filter((v) => v.startsWith(`users/u1/input/cup.png@${first.uploadVersion}`))).toEqual([]);
    expect(before.length - after.length).toBe(12);
    // The second job still reads whole: its upload, its mesh and picture at their versions.
    expect(await readJobStatus(w.data, 'u1' as never, second.status.jobId)).toMatchObject({ state: 'done' });
    expect(after).toContain(`users/u1/input/cup.png@${second.uploadVersion}`);
    expect(Buffer.from(await w.data.get('users/u1/output/cup.glb', 10)).toString()).toBe('two');
    expect(await readJobStatus(w.data, 'u1' as never, first.status.jobId)).toBeUndefined();
  });

  it('deletes the upload of a job refused before it had a request (not a PNG), found by its job id', async () => {
    const w = world();
    const record = await w.upload('users/u1/input/cup.png', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]));
    const outcome = await extractObject(objectOf(record), w.extractPorts, invocation());
    expect(outcome.status).toBe('rejected');
    const later = await w.upload('users/u1/input/cup.png', PNG);
    const status = (await readJobStatus(w.data, 'u1' as never, jobIdFor(objectOf(record))))!;
    expect(status.state).toBe('failed');

    const counts = await deleteJobVersions(w.data, status);

    expect(counts.input).toBe(1);
    const left = await everything(w);
    expect(left.filter((v) => v.startsWith('users/u1/input/'))).toEqual([
      `users/u1/input/cup.png@${later.versionId}`,
    ]);
    expect(left.filter((v) => v.includes(status.jobId) || v.startsWith('users/u1/output/'))).toEqual([]);
  });

  it('removes a key whose only job was deleted, delete markers included', async () => {
    const w = world();
    const only = await runJob(w, { glb: 'one', thumbnail: 't-1' });
    await w.data.delete('users/u1/input/cup.png'); // a marker on top, as a user's earlier delete leaves
    await deleteJobVersions(w.data, only.status);
    const left = await everything(w);
    expect(left.filter((v) => v.startsWith('users/u1/'))).toEqual([]);
    expect(left.filter((v) => v.startsWith('jobs/'))).toEqual([]);
  });
});

describe('a retry’s upload', () => {
  it('copies the version the job was made from, whatever was uploaded later under the name', async () => {
    const w = world();
    const first = await runJob(w, { glb: 'one', thumbnail: 't-1' });
    await w.put('users/u1/input/cup.png', Uint8Array.from([...PNG, 9, 9]), {}, 'image/png');
    const request = (await readJobRequest(w.data, first.status))!;
    const copy = await copyJobInput(
      w.data,
      request,
      { key: 'users/u1/input/cup-0a1b2c3d.png', metadata: { 'retry-of': first.status.jobId } },
      1024,
    );
    const info = await w.data.head('users/u1/input/cup-0a1b2c3d.png', copy.versionId);
    expect(info?.metadata).toEqual({ 'retry-of': first.status.jobId });
    expect([...(await w.data.get('users/u1/input/cup-0a1b2c3d.png', 100))]).toEqual([...PNG]);
    // The id the extract core gives that upload (its S3 event's key, version and ETag).
    const record = w.created[w.created.length - 1]!;
    expect(copy.jobId).toBe(jobIdFor(objectOf(record)));
  });

  it("an operator's retry goes to the first job's address, names it, and says when the picture is gone", async () => {
    const w = world();
    const first = await runJob(w, { mask: true, glb: 'one', thumbnail: 't-1' });
    const started = await retryAsOperator(
      w.data,
      first.status,
      { point: { x: 2, y: 3 } },
      { maxBytes: 1024, suffix: '0a1b2c3d' },
    );
    expect(started).toMatchObject({ name: 'cup-0a1b2c3d', key: 'users/u1/input/cup-0a1b2c3d.png' });
    expect((await w.data.head(started.key))?.metadata).toEqual({
      email: 'a@example.com',
      backend: 'inflate',
      quality: 'standard',
      point: '2,3',
      'retry-of': first.status.jobId,
    });
    await w.data.delete('users/u1/input/cup.png', first.uploadVersion);
    await expect(
      retryAsOperator(w.data, first.status, {}, { maxBytes: 1024, suffix: '0a1b2c3e' }),
    ).rejects.toMatchObject({ reason: 'gone' });
  });

  it('names a retry of a retry no longer than the first, and fits a long name within MAX_NAME_BYTES', () => {
    let name = 'cup-0a1b2c3d';
    for (const suffix of ['11111111', '22222222', '33333333']) name = retryNameOf(name, suffix);
    expect(name).toBe('cup-33333333');
    expect(retryNameOf('cup', '0a1b2c3d')).toBe('cup-0a1b2c3d');
    expect(retryNameOf('photo-DEADBEEF', '0a1b2c3d')).toBe('photo-DEADBEEF-0a1b2c3d');
    const long = 'é'.repeat(MAX_NAME_BYTES / 2);
    const retried = retryNameOf(long, '0a1b2c3d');
    expect(utf8Bytes(retried)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(retried).toBe(`${'é'.repeat((MAX_NAME_BYTES - 9) >> 1)}-0a1b2c3d`);
    expect(() =>
      buildInputKey({ userId: 'u1' as never, name: retryNameOf(retried, '44444444') }),
    ).not.toThrow();
    expect(retryNameOf('-0a1b2c3d', '44444444')).toBe('picture-44444444');
  });

  it("refuses an operator's retry of a web upload whose session never confirmed its address", async () => {
    const w = world();
    // A web upload carries its access token; notify holds its result until that session confirms the address.
    const { written } = await w.put(
      'users/w1/input/web.png',
      PNG,
      { email: 'stranger@example.com', access: 'tok.sig' },
      'image/png',
    );
    const jobId = '0123456789abcdef0123456789abcdef';
    await w.docs.writeRequest({
      version: 1,
      jobId: jobId as never,
      userId: 'w1' as never,
      input: { bucket: BUCKET, key: 'users/w1/input/web.png', versionId: written.versionId },
      options: { backend: 'inflate', quality: 'standard' },
      requestedAt: '2026-11-27T04:59:00Z',
    });
    const status = { jobId, userId: 'w1', name: 'web', state: 'done' } as never;
    const retry = () => retryAsOperator(w.data, status, {}, { maxBytes: 1024, suffix: '0a1b2c3d' });
    // An operator's copy would carry no token: notify would trust the address and mail it unasked.
    await expect(retry()).rejects.toBeInstanceOf(RetryRefusedError);
    await expect(retry()).rejects.toMatchObject({ reason: 'unconfirmed' });
    expect(await w.data.list('users/w1/input/web-')).toEqual([]);
    await confirmAddress(w.data, 'stranger@example.com', 'w1', new Date('2026-11-27T05:00:00Z'));
    await expect(retry()).resolves.toMatchObject({ name: 'web-0a1b2c3d' });
  });

  it('takes the new prompts and shape, keeps the method, quality and formats, drops the old prompts', () => {
    const options = retryOptionsOf(
      {
        backend: 'inflate',
        quality: 'high',
        formats: ['ply', 'glb'],
        point: { x: 1, y: 2 },
        maskKey: 'users/u1/masks/cup.png',
        shape: 'slab',
      },
      { box: { x0: 1, y0: 2, x1: 30, y1: 40 } },
    );
    expect(options).toEqual({
      backend: 'inflate',
      quality: 'high',
      formats: ['ply', 'glb'],
      box: { x0: 1, y0: 2, x1: 30, y1: 40 },
    });
  });
});
