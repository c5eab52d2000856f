import { keptUntilDay } from '@gen3d/events/retention';
import { JobDocuments } from '@gen3d/jobs';
import type { InMemoryObjectStore } from '@gen3d/object-store/testing';
import {
  buildJobDocumentKey,
  buildOutputKey,
  buildReportKey,
  parseInputKey,
  parseJobId,
  parseUserId,
} from '@gen3d/s3-keys';
import { finishedJob, notifyMesh, PNG_BYTES, runJob, setup } from './fixtures/api-world';

// GET /jobs/{id} as the page polls it: what a finished job's view costs in storage reads, and what it still says.

const READS = ['head', 'get', 'getRange', 'list', 'listVersions'] as const;

/**
 * Every read the store answers from now on (`op key`), and the most that were in flight at once. Each read waits a
 * turn of the event loop first, so that reads started side by side are seen side by side.
 */
function recordReads(store: InMemoryObjectStore) {
  const reads: string[] = [];
  const flight = { now: 0, peak: 0 };
  for (const op of READS) {
    const read = store[op].bind(store) as (...args: unknown[]) => Promise<unknown>;
    jest.spyOn(store, op).mockImplementation((async (...args: unknown[]) => {
      reads.push(`${op} ${String(args[1])}`);
      flight.now += 1;
      flight.peak = Math.max(flight.peak, flight.now);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return await read(...args);
      } finally {
        flight.now -= 1;
      }
    }) as never);
  }
  return { reads, flight };
}

describe('GET /jobs/{id} of a finished job', () => {
  it('reads the status, then mesh, report, upload and email lock side by side, never the request', async () => {
    const api = setup();
    const ann = await api.session();
    const job = await finishedJob(api, ann.token);
    await notifyMesh(api, buildOutputKey(parseInputKey(job.key)));
    const before = await api.call({ method: 'GET', path: `/jobs/${job.jobId}` }, ann.token);
    const { reads, flight } = recordReads(api.store);

    const view = await api.call({ method: 'GET', path: `/jobs/${job.jobId}` }, ann.token);

    expect(view.json).toEqual(before.json);
    expect(view.json['job']).toMatchObject({ state: 'done', email: 'held', images: ['thumbnail', 'mask'] });
    const ref = { userId: ann.userId, jobId: job.jobId };
    const input = parseInputKey(job.key);
    expect(reads.sort()).toEqual(
      [
        `get ${buildJobDocumentKey({ ...ref, document: 'status' })}`,
        `head ${buildOutputKey(input)}`,
        `get ${buildReportKey(input)}`,
        `head ${job.key}`,
        `get ${buildJobDocumentKey({ ...ref, document: 'notify-lock' })}`,
      ].sort(),
    );
    expect(reads).not.toContain(`get ${buildJobDocumentKey({ ...ref, document: 'request' })}`);
    expect(flight.peak).toBe(2);
  });

  it('still says which job a finished retry re-ran: from its report, else from its request', async () => {
    const api = setup();
    const ann = await api.session();
    const first = await finishedJob(api, ann.token);
    const retry = await api.call(
      { method: 'POST', path: `/jobs/${first.jobId}/retry`, body: '{}' },
      ann.token,
    );
    const key = `users/${ann.userId}/input/${retry.json['name'] as string}.png`;
    const { jobId } = await runJob(api, key, (await api.data.head(key))?.versionId);
    const path = `/jobs/${jobId}`;

    const view = await api.call({ method: 'GET', path }, ann.token);
    expect(view.json['job']).toMatchObject({
      jobId,
      state: 'done',
      retryOf: first.jobId,
      method: expect.any(String),
    });

    // A report that cannot be read any more: the request still names the upload.
    await api.data.put(buildReportKey(parseInputKey(key)), 'not json', { contentType: 'application/json' });
    for (const v of await api.data.listVersions(buildReportKey(parseInputKey(key)))) {
      if (!v.isLatest) await api.data.delete(v.key, v.versionId);
    }
    const withoutReport = await api.call({ method: 'GET', path }, ann.token);
    expect(withoutReport.json['job']['method']).toBeUndefined();
    expect(withoutReport.json['job']).toMatchObject({ jobId, state: 'done', retryOf: first.jobId });
  });
});

describe("until when a finished job's files are kept", () => {
  it('is the day its result email names, on the job page and in the list, though the status came after midnight', async () => {
    const api = setup({ RETENTION_DAYS: '30' });
    const ann = await api.session();
    const key = `users/${ann.userId}/input/cup.png`;
    const upload = await api.data.put(key, PNG_BYTES, {
      contentType: 'image/png',
      metadata: { email: 'ann@example.com' },
    });
    // The report just before midnight (UTC), the status a second after it.
    const reportedAt = new Date('2026-11-27T23:59:59.500Z');
    const { jobId } = await runJob(api, key, upload.versionId, { reportedAt, statusLagMs: 1000 });
    const { mails } = await notifyMesh(api, buildOutputKey(parseInputKey(key)), { RETENTION_DAYS: '30' });
    const emailed = /kept until (\d+ \w+ \d{4})/.exec(mails[0]?.text ?? '')?.[1];
    expect(emailed).toBe('27 December 2026');

    const onPage = async () => {
      const view = await api.call({ method: 'GET', path: `/jobs/${jobId}` }, ann.token);
      const listed = await api.call({ method: 'GET', path: '/jobs' }, ann.token);
      return [view.json['job'], listed.json['jobs'][0]].map(
        (job: { keptUntil: string; finishedAt: string }) => ({
          day: keptUntilDay(new Date(job.keptUntil), 'en-GB'),
          finishedAt: job.finishedAt,
        }),
      );
    };
    expect(await onPage()).toEqual([
      { day: emailed, finishedAt: reportedAt.toISOString() },
      { day: emailed, finishedAt: reportedAt.toISOString() },
    ]);

    // A status that says it ended later (an older sidecar stamped its own time): the job page still says the
    // email's day, counted from the report it reads.
    const docs = new JobDocuments(api.data, () => new Date('2026-11-28T00:00:01Z'));
    const ref = { userId: parseUserId(ann.userId), jobId: parseJobId(jobId) };
    const { meshKey, meshVersionId, reportVersionId, queuedAt, name } = (await docs.readStatus(ref)) ?? {};
    await docs.writeStatus({ ...ref, name: name ?? '', requestedAt: queuedAt ?? '' }, 'done', {
      ...(meshKey ? { meshKey } : {}),
      ...(meshVersionId ? { meshVersionId } : {}),
      ...(reportVersionId ? { reportVersionId } : {}),
    });
    expect((await onPage())[0]).toEqual({ day: emailed, finishedAt: reportedAt.toISOString() });
  });
});
