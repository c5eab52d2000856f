import { coreWorld } from './fixtures/core-world';
import { operatorJobs } from './operator-jobs';

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
});
