import { MAX_RECENT, readRecent, rememberJob, type KeyValueStore } from './recent';

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
});
