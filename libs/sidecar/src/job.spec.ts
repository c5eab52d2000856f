import { parseJobReportJson, parseJobStatusJson, type InferenceRequest } from '@gen3d/events';
import { workerReportOf } from '@gen3d/events/testing';
import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { parseJobId, parseUserId } from '@gen3d/s3-keys';
import { JobFailure } from './errors';
import { failJob, runJob } from './job';
import type { WorkerJob, WorkerOutcome } from './worker-client';

const BUCKET = 'gen3d-data-bucket';

/** The inference request of user w1's picture `name`, as extract writes it. */
function requestFor(name: string, now: Date): InferenceRequest {
  return {
    version: 1,
    jobId: parseJobId('0123456789abcdef0123456789abcdef'),
    userId: parseUserId('w1'),
    input: { bucket: BUCKET, key: `users/w1/input/${name}.png` },
    options: { backend: 'inflate', quality: 'standard' },
    requestedAt: now.toISOString(),
  };
}

describe('a failed job', () => {
  it('still ends failed, with a plain reason, when its failure document cannot be written', async () => {
    const now = new Date('2026-12-06T10:00:00Z');
    const data = bindBucket(new InMemoryObjectStore(() => now), BUCKET);
    const putJson = data.putJson.bind(data);
    data.putJson = async (key, value, conditions) => {
      if (key.endsWith('.failure.json')) throw new Error('KeyTooLongError: the key is too long');
      return putJson(key, value, conditions);
    };
    const request = requestFor('chair-1', now);
    const failure = new JobFailure('NoObjectFoundError', 'reconstruction', 'no object');
    const document = await failJob(request, failure, {
      data,
      now: () => now,
      log: createLogger({ service: 'test', level: 'silent' }),
    });
    // The answer still carries the document: SageMaker stores it as its failure record, which notify emails.
    expect(document.error.type).toBe('NoObjectFoundError');
    const status = parseJobStatusJson(await data.getText(`users/w1/jobs/${request.jobId}/status.json`));
    expect(status).toMatchObject({ state: 'failed', error: { code: 'NoObjectFoundError' } });
    expect(status.error?.reason).toMatch(/could not find an object/);
  });
});

describe('a job that succeeds', () => {
  const now = new Date('2026-12-06T10:00:00Z');
  const request = requestFor('cup', now);

  /** Runs the job against a worker that answers these pictures; answers the keys in the order written. */
  async function run(images: (keyof typeof PICTURES)[], clock: () => Date = () => now) {
    const store = new InMemoryObjectStore(() => now);
    const written: string[] = [];
    store.onCreated((o) => written.push(o.key));
    const data = bindBucket(store, BUCKET);
    await data.put(request.input.key, Uint8Array.from([0x89, 0x50, 0x4e, 0x47]), {
      contentType: 'image/png',
    });
    const asked: WorkerJob[] = [];
    const outcome = await runJob(request, {
      data,
      callWorker: async (job): Promise<WorkerOutcome> => {
        asked.push(job);
        return {
          ok: true,
          ply: new TextEncoder().encode('ply\n'),
          files: [],
          images: images.map((image) => ({ image, bytes: PICTURES[image] })),
          report: workerReportOf(),
        };
      },
      maxUploadBytes: 1024,
      timeoutMs: 60_000,
      shutdown: new AbortController().signal,
      now: clock,
      log: createLogger({ service: 'test', level: 'silent' }),
    });
    return { data, written: written.slice(1), asked, outcome };
  }
  const PICTURES = {
    thumbnail: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1]),
    mask: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 2, 2]),
  };

  it('asks for the pictures and stores them before the report and the mesh, the report naming their versions', async () => {
    const { data, written, asked, outcome } = await run(['thumbnail', 'mask']);
    expect(outcome.ok).toBe(true);
    expect(asked[0]?.extras).toEqual(['thumbnail', 'mask']);
    const order = (key: string) => written.indexOf(key);
    for (const picture of ['users/w1/output/cup.thumb.png', 'users/w1/output/cup.mask.png']) {
      expect(order(picture)).toBeGreaterThanOrEqual(0);
      expect(order(picture)).toBeLessThan(order('users/w1/output/cup.report.json'));
    }
    expect(order('users/w1/output/cup.report.json')).toBeLessThan(order('users/w1/output/cup.ply'));
    const report = parseJobReportJson(await data.getText('users/w1/output/cup.report.json'));
    expect(report.output.images?.map((i) => [i.image, i.key, i.bytes])).toEqual([
      ['thumbnail', 'users/w1/output/cup.thumb.png', 5],
      ['mask', 'users/w1/output/cup.mask.png', 6],
    ]);
    expect(report.output.files).toBeUndefined(); // the PLY only was asked for
    for (const image of report.output.images ?? []) {
      const bytes = await data.get(image.key, 1024, image.versionId);
      expect(Buffer.from(bytes).equals(Buffer.from(PICTURES[image.image]))).toBe(true);
      expect((await data.head(image.key, image.versionId))?.metadata).toEqual({ 'job-id': request.jobId });
    }
  });

  it('still succeeds when the worker made no picture (an earlier version): the report names none', async () => {
    const { data, written, outcome } = await run([]);
    expect(outcome.ok).toBe(true);
    expect(written.some((key) => key.endsWith('.png'))).toBe(false);
    const report = parseJobReportJson(await data.getText('users/w1/output/cup.report.json'));
    expect(report.output.images).toBeUndefined();
  });

  it("stamps the done status with its report's end, from which the result email counts the files' retention", async () => {
    let seconds = 0;
    const { data, outcome } = await run([], () => new Date(now.getTime() + 1000 * seconds++));
    expect(outcome.ok).toBe(true);
    const report = parseJobReportJson(await data.getText('users/w1/output/cup.report.json'));
    const status = parseJobStatusJson(await data.getText(`users/w1/jobs/${request.jobId}/status.json`));
    expect(status.state).toBe('done');
    expect(status.finishedAt).toBe(report.finishedAt);
    expect(Date.parse(status.updatedAt)).toBeGreaterThan(Date.parse(report.finishedAt));
  });
});
