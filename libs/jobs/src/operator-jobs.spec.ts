import { JobStillRunningError } from './errors';
import { coreWorld } from './fixtures/core-world';
import { STUCK_JOB_MS } from './limits';
import { operatorJobs } from './operator-jobs';

const statusOf = (state: string, updatedAt: string) =>
  JSON.stringify({
    version: 2,
    jobId: 'aaaaaaaa00000002',
    userId: 'u1',
    name: 'cup',
    state,
    queuedAt: '2026-11-27T02:00:00Z',
    updatedAt,
  });

// An operator acts on one user's jobs: another user's job, like an unknown one, is not there for them.
describe('operatorJobs', () => {
  it('answers nothing for an unknown job or another user’s, and changes nothing', async () => {
    const w = coreWorld();
    await w.data.put(
      'users/u2/jobs/aaaaaaaa00000001/status.json',
      JSON.stringify({
        version: 2,
        jobId: 'aaaaaaaa00000001',
        userId: 'u2',
        name: 'cup',
        state: 'failed',
        queuedAt: '2026-11-27T02:00:00Z',
        updatedAt: '2026-11-27T02:00:00Z',
      }),
      { contentType: 'application/json' },
    );
    const theirs = operatorJobs(w.data, 'u2' as never, { seconds: 60 });
    const mine = operatorJobs(w.data, 'u1' as never, { seconds: 60 });
    expect((await theirs.job('aaaaaaaa00000001'))?.job.state).toBe('failed');
    expect(await mine.job('aaaaaaaa00000001')).toBeUndefined();
    expect(await mine.jobs()).toEqual([]);
    expect(await mine.remove('aaaaaaaa00000001')).toBeUndefined();
    expect(await mine.retry('aaaaaaaa00000001', {}, 1024)).toBeUndefined();
    expect(await w.data.head('users/u2/jobs/aaaaaaaa00000001/status.json')).toBeDefined();
  });

  it('refuses to delete a job that may still write, as the web API does, and deletes it once it is stuck or ended', async () => {
    const w = coreWorld();
    const key = 'users/u1/jobs/aaaaaaaa00000002/status.json';
    const put = (state: string) =>
      w.data.put(key, statusOf(state, '2026-11-27T02:00:00Z'), { contentType: 'application/json' });
    const jobs = operatorJobs(w.data, 'u1' as never, { seconds: 60 });
    const started = Date.parse('2026-11-27T02:00:00Z');
    // Queued: SageMaker may still run it for its TTL and invocation time (7 h); deleted now, it could come back.
    await put('queued');
    await expect(jobs.remove('aaaaaaaa00000002', new Date(started + 6 * 3600_000))).rejects.toThrow(
      JobStillRunningError,
    );
    // Reconstructing: until it is stuck.
    await put('reconstructing');
    await expect(jobs.remove('aaaaaaaa00000002', new Date(started + STUCK_JOB_MS - 1000))).rejects.toThrow(
      JobStillRunningError,
    );
    expect(await w.data.head(key)).toBeDefined();
    expect(await jobs.remove('aaaaaaaa00000002', new Date(started + STUCK_JOB_MS + 1000))).toBeDefined();
    expect(await w.data.head(key)).toBeUndefined();
  });
});
