import { forgetJob, MAX_RECENT, readRecent, recentOf, rememberJob, type KeyValueStore } from './recent';

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('recent jobs', () => {
  it('keeps the newest first and merges what is learnt later (the job id, the state)', () => {
    const storage = memoryStorage();
    rememberJob(storage, { name: 'a-1', fileName: 'a.png', startedAt: '2026-01-01T00:00:00Z' });
    rememberJob(storage, { name: 'b-2', fileName: 'b.png', startedAt: '2026-01-01T00:01:00Z' });
    rememberJob(storage, {
      name: 'a-1',
      fileName: 'a.png',
      jobId: 'job00001',
      state: 'done',
      startedAt: '2026-01-01T00:00:00Z',
    });
    expect(readRecent(storage).map((j) => [j.name, j.jobId, j.state])).toEqual([
      ['a-1', 'job00001', 'done'],
      ['b-2', undefined, undefined],
    ]);
  });

  it(`keeps at most ${MAX_RECENT}`, () => {
    const storage = memoryStorage();
    for (let i = 0; i < MAX_RECENT + 5; i += 1) {
      rememberJob(storage, { name: `n${i}`, fileName: 'x.png', startedAt: '2026-01-01T00:00:00Z' });
    }
    expect(readRecent(storage)).toHaveLength(MAX_RECENT);
    expect(readRecent(storage)[0]?.name).toBe(`n${MAX_RECENT + 4}`);
  });

  it('survives a damaged store', () => {
    const storage = memoryStorage();
    storage.setItem('gen3d.recent', '{not json');
    expect(readRecent(storage)).toEqual([]);
    storage.setItem('gen3d.recent', JSON.stringify([{ name: 1 }, { name: 'ok', startedAt: 'x' }]));
    expect(readRecent(storage).map((j) => j.name)).toEqual(['ok']);
  });

  it('keeps what an upload asked for when later polls merge in the thumbnail and the date kept until', () => {
    const storage = memoryStorage();
    const startedAt = '2026-01-01T00:00:00Z';
    const used = { points: [{ x: 1, y: 2, label: 0 as const }], shape: 'slab' as const };
    rememberJob(storage, { name: 'a-1', fileName: 'a.png', startedAt, used });
    rememberJob(storage, {
      name: 'a-1',
      fileName: 'a.png',
      jobId: 'job00001',
      startedAt,
      state: 'done',
      thumbnail: true,
      keptUntil: '2026-01-31T00:00:00.000Z',
    });
    expect(readRecent(storage)[0]).toMatchObject({ used, thumbnail: true, jobId: 'job00001' });
  });

  it('forgets a deleted job by its id (else by its name) and keeps the others in order', () => {
    const storage = memoryStorage();
    const startedAt = '2026-01-01T00:00:00Z';
    rememberJob(storage, { name: 'a-1', fileName: 'a.png', startedAt, jobId: 'job00001' });
    rememberJob(storage, { name: 'b-2', fileName: 'b.png', startedAt });
    rememberJob(storage, { name: 'c-3', fileName: 'c.png', startedAt, jobId: 'job00003' });
    expect(forgetJob(storage, { jobId: 'job00001', name: 'b-2' }).map((j) => j.name)).toEqual(['c-3', 'b-2']);
    expect(forgetJob(storage, { name: 'b-2' }).map((j) => j.name)).toEqual(['c-3']);
    expect(readRecent(storage).map((j) => j.name)).toEqual(['c-3']);
  });

  it('finds what this browser knows of a job by its id or its name', () => {
    const jobs = [
      { name: 'a-1', fileName: 'a.png', startedAt: 'x', jobId: 'job00001' },
      { name: 'b-2', fileName: 'b.png', startedAt: 'x' },
    ];
    expect(recentOf(jobs, { jobId: 'job00001' })?.fileName).toBe('a.png');
    expect(recentOf(jobs, { jobId: 'job00002', name: 'b-2' })?.fileName).toBe('b.png');
    expect(recentOf(jobs, { jobId: 'job00009' })).toBeUndefined();
  });
});
