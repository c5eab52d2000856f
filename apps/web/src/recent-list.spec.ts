import type { JobView } from './api-client';
import type { RecentJob } from './recent';
import { recentEntryOf, recentLabel, showsThumbnail, watchedOf } from './recent-list';

const iso = (date: Date) => date.toISOString();

/** A job of this browser's that finished, as the API lists it. */
function doneJob(jobId: string, name: string): JobView {
  return {
    jobId,
    name,
    state: 'done',
    queuedAt: '2026-01-01T10:00:01.000Z',
    updatedAt: '2026-01-01T10:00:09.000Z',
  };
}

describe('the recent list', () => {
  it('names each job by its file, where it stood when last seen, and when it started', () => {
    const job = { name: 'ball-1', fileName: 'ball.png', startedAt: '2026-01-01T10:00:00.000Z' };
    expect(recentLabel(job, iso)).toBe('ball.png — Uploaded, 2026-01-01T10:00:00.000Z');
    expect(recentLabel({ ...job, state: 'reconstructing' }, iso)).toBe(
      'ball.png — Reconstructing, 2026-01-01T10:00:00.000Z',
    );
    expect(recentLabel({ ...job, state: 'failed' }, iso)).toMatch(/^ball\.png — Failed, /);
  });

  it('opens a listed job again as it was watched: by id once known, with its access token', () => {
    const startedAt = '2026-01-01T10:00:00.000Z';
    expect(watchedOf({ name: 'ball-1', fileName: 'ball.png', startedAt })).toEqual({
      name: 'ball-1',
      fileName: 'ball.png',
      startedAt: Date.parse(startedAt),
    });
    expect(
      watchedOf({ name: 'ball-1', fileName: 'ball.png', startedAt, jobId: 'job00001', access: 'acc.sig' }),
    ).toEqual({
      name: 'ball-1',
      fileName: 'ball.png',
      jobId: 'job00001',
      access: 'acc.sig',
      startedAt: Date.parse(startedAt),
    });
  });

  it("remembers a polled job of this browser's with its id and state, and no job it does not know", () => {
    const job = doneJob('job00001', 'ball-1');
    const uploadedAt = Date.parse('2026-01-01T10:00:00.000Z');
    expect(recentEntryOf(job, { name: 'ball-1', fileName: 'ball.png', startedAt: uploadedAt })).toEqual({
      name: 'ball-1',
      fileName: 'ball.png',
      jobId: 'job00001',
      startedAt: '2026-01-01T10:00:00.000Z',
      state: 'done',
    });
    // Known by name only (opened from the list before its file name was stored): its last update stands in.
    expect(recentEntryOf(job, { name: 'ball-1', jobId: 'job00001', access: 'acc.sig' })).toEqual({
      name: 'ball-1',
      fileName: 'ball-1',
      jobId: 'job00001',
      access: 'acc.sig',
      startedAt: '2026-01-01T10:00:09.000Z',
      state: 'done',
    });
    expect(recentEntryOf(job, { jobId: 'job00001', access: 'acc.sig' })).toBeUndefined();
  });

  it('remembers that a finished job made a thumbnail, until when its files are kept and what it retried', () => {
    const job: JobView = {
      ...doneJob('job00002', 'ball-2'),
      images: ['thumbnail', 'mask'],
      keptUntil: '2026-01-31T10:00:09.000Z',
      retryOf: 'job00001',
    };
    const entry = recentEntryOf(job, { name: 'ball-2', fileName: 'ball.png', startedAt: 0 });
    expect(entry).toMatchObject({
      thumbnail: true,
      keptUntil: '2026-01-31T10:00:09.000Z',
      retryOf: 'job00001',
    });
    expect(showsThumbnail(entry as RecentJob)).toBe(true);
    // A mask alone is no thumbnail; a running job has neither.
    const maskOnly = recentEntryOf({ ...job, images: ['mask'] }, { name: 'ball-2', fileName: 'b.png' });
    expect(maskOnly?.thumbnail).toBeUndefined();
    const { images: _images, keptUntil: _kept, retryOf: _retry, ...runningJob } = job;
    const running = recentEntryOf(
      { ...runningJob, state: 'reconstructing' },
      { name: 'ball-2', fileName: 'b.png' },
    );
    expect(running).toBeDefined();
    expect(Object.keys(running ?? {})).not.toEqual(expect.arrayContaining(['thumbnail']));
    expect(running?.keptUntil).toBeUndefined();
  });

  it('shows a thumbnail only for a job known by its id that made one', () => {
    const base = { name: 'ball-1', fileName: 'ball.png', startedAt: 'x' };
    expect(showsThumbnail({ ...base, jobId: 'job00001', thumbnail: true })).toBe(true);
    expect(showsThumbnail({ ...base, thumbnail: true })).toBe(false);
    expect(showsThumbnail({ ...base, jobId: 'job00001' })).toBe(false);
  });
});
