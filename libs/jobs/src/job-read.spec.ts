import type { JobStatus } from '@gen3d/events';
import { jobReportOf, reportOutputOf } from '@gen3d/events/testing';
import { BUCKET, coreWorld, PNG } from './fixtures/core-world';
import {
  jobViewOf,
  linkStoredJob,
  readJobStatus,
  readStoredJob,
  storedFileOf,
  storedImageOf,
} from './job-read';

// The one read model: a job answers with what it made, at the versions it wrote, never with a later upload's files.
const world = () => coreWorld(new Date('2026-11-27T05:00:00Z'));

async function finishJob(w: ReturnType<typeof world>, jobId: string, glbText: string, thumbnail?: string) {
  const { written: input } = await w.put('users/u1/input/cup.png', PNG, {}, 'image/png');
  const { written: glb } = await w.put('users/u1/output/cup.glb', glbText);
  const thumb = thumbnail ? (await w.put('users/u1/output/cup.thumb.png', thumbnail)).written : undefined;
  const output = reportOutputOf(BUCKET, 'users/u1/output/cup.ply', [
    { format: 'glb', key: 'users/u1/output/cup.glb', bytes: glbText.length, versionId: glb.versionId! },
    { format: 'obj', key: 'users/u2/output/secret.obj', bytes: 1 },
  ]);
  const report = jobReportOf({
    jobId,
    input: { bucket: BUCKET, key: 'users/u1/input/cup.png', versionId: input.versionId },
    output: thumb
      ? {
          ...output,
          images: [
            {
              image: 'thumbnail',
              key: 'users/u1/output/cup.thumb.png',
              bytes: thumbnail!.length,
              versionId: thumb.versionId!,
            },
            { image: 'mask', key: 'users/u2/output/secret.mask.png', bytes: 1 },
          ],
        }
      : output,
    finishedAt: '2026-11-27T05:00:00Z',
  });
  const { written: mesh, reportWritten: writtenReport } = await w.storeResult(report);
  const status: JobStatus = {
    version: 2,
    jobId: jobId as never,
    userId: 'u1' as never,
    name: 'cup',
    state: 'done',
    queuedAt: '2026-11-27T04:59:00Z',
    finishedAt: '2026-11-27T05:00:00Z',
    updatedAt: '2026-11-27T05:00:00Z',
    meshKey: 'users/u1/output/cup.ply',
    ...(mesh.versionId ? { meshVersionId: mesh.versionId } : {}),
    ...(writtenReport.versionId ? { reportVersionId: writtenReport.versionId } : {}),
    mesh: report.worker.mesh,
  };
  await w.data.put(`users/u1/jobs/${jobId}/status.json`, JSON.stringify(status), {
    contentType: 'application/json',
  });
  return status;
}

describe('the job read model', () => {
  it('reads a job with its files at the versions it wrote, after a later job under the same name', async () => {
    const w = world();
    const first = await finishJob(w, 'aaaaaaaa00000001', 'first glb');
    await finishJob(w, 'aaaaaaaa00000002', 'second, longer glb');
    const job = await readStoredJob(w.data, (await readJobStatus(w.data, 'u1' as never, first.jobId))!);
    expect(job.report?.jobId).toBe(first.jobId);
    expect(job.files.map((f) => f.format)).toEqual(['ply', 'glb']); // not the other user's OBJ
    const linked = await linkStoredJob(w.data, job, 60);
    const glb = linked.files.find((f) => f.format === 'glb')!;
    const fetched = w.store.fetchLink(glb.url);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString()).toBe('first glb');
    expect(linked.job).toMatchObject({
      jobId: first.jobId,
      formats: ['ply', 'glb', 'obj'],
      backend: 'inflate',
    });
    expect(storedFileOf(job, 'stl')).toBeUndefined();
  });

  it("links the job's own thumbnail at its version, says until when it is kept, and gives paths", async () => {
    const w = world();
    const first = await finishJob(w, 'aaaaaaaa00000001', 'glb', 'first thumbnail');
    await finishJob(w, 'aaaaaaaa00000002', 'glb', 'second thumbnail');
    const job = await readStoredJob(w.data, first);
    // The other user's mask the report names is not this job's picture.
    expect(job.images.map((i) => i.image)).toEqual(['thumbnail']);
    expect(storedImageOf(job, 'mask')).toBeUndefined();
    const linked = await linkStoredJob(w.data, job, 60, {
      retentionDays: 30,
      pathOf: async (o) => `/data/${o.key}@${o.versionId}`,
    });
    expect(linked.job).toMatchObject({ images: ['thumbnail'], keptUntil: '2026-12-27T05:00:00.000Z' });
    const [thumbnail] = linked.images;
    expect(thumbnail).toMatchObject({
      image: 'thumbnail',
      bytes: 'first thumbnail'.length,
      path: `/data/users/u1/output/cup.thumb.png@${storedImageOf(job, 'thumbnail')?.versionId}`,
    });
    const fetched = w.store.fetchLink(thumbnail!.url);
    expect(fetched.status === 200 && Buffer.from(fetched.body).toString()).toBe('first thumbnail');
    expect(linked.files[0]?.path).toMatch(/^\/data\/users\/u1\/output\/cup\.ply@/);
  });

  it('says nothing of pictures or keeping for a job without them, or without the setting', async () => {
    const w = world();
    const job = await readStoredJob(w.data, await finishJob(w, 'aaaaaaaa00000001', 'glb'));
    expect(job.images).toEqual([]);
    const view = jobViewOf(job);
    expect(view.images).toBeUndefined();
    expect(view.keptUntil).toBeUndefined();
    expect(jobViewOf(job, { retentionDays: 1 }).keptUntil).toBe('2026-11-28T05:00:00.000Z');
  });

  it('answers nothing for a mesh another job wrote when the status names no version', async () => {
    const w = world();
    const first = await finishJob(w, 'aaaaaaaa00000001', 'first glb');
    await finishJob(w, 'aaaaaaaa00000002', 'second glb');
    const { meshVersionId: _m, reportVersionId: _r, ...unversioned } = first;
    const job = await readStoredJob(w.data, unversioned);
    expect(job).toEqual({ status: unversioned, report: undefined, files: [], images: [] });
  });

  it('reads no status of another user, of a bad id, or that cannot be parsed', async () => {
    const w = world();
    await finishJob(w, 'aaaaaaaa00000001', 'glb');
    expect(await readJobStatus(w.data, 'u2' as never, 'aaaaaaaa00000001')).toBeUndefined();
    expect(await readJobStatus(w.data, 'u1' as never, '../u2/x')).toBeUndefined();
    await w.data.put('users/u1/jobs/aaaaaaaa00000009/status.json', '{"version":', {
      contentType: 'application/json',
    });
    expect(await readJobStatus(w.data, 'u1' as never, 'aaaaaaaa00000009')).toBeUndefined();
  });

  it('describes a running job from its status alone', () => {
    const view = jobViewOf(
      {
        status: {
          version: 2,
          jobId: 'aaaaaaaa00000003' as never,
          userId: 'u1' as never,
          name: 'mug',
          state: 'reconstructing',
          queuedAt: '2026-11-27T05:00:00Z',
          startedAt: '2026-11-27T05:00:01Z',
          updatedAt: '2026-11-27T05:00:01Z',
        },
      },
      { retentionDays: 30 },
    );
    // Running: not ended, so no "kept until" yet.
    expect(view).toEqual({
      jobId: 'aaaaaaaa00000003',
      name: 'mug',
      state: 'reconstructing',
      queuedAt: '2026-11-27T05:00:00Z',
      startedAt: '2026-11-27T05:00:01Z',
      updatedAt: '2026-11-27T05:00:01Z',
    });
  });
});
