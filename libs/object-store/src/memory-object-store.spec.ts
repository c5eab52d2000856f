import { bindBucket } from './bucket-store';
import { ObjectMissingError, PreconditionFailedError } from './errors';
import { InMemoryObjectStore, type CreatedObjectRecord } from './memory-object-store';

describe('InMemoryObjectStore', () => {
  it('versions every write, reads any version, and hides deleted keys behind a delete marker', async () => {
    const data = bindBucket(new InMemoryObjectStore(), 'b');
    const first = await data.put('k', 'one', {
      contentType: 'text/plain',
      metadata: { Email: 'a@example.com' },
    });
    const second = await data.put('k', 'two', { contentType: 'text/plain' });
    expect(first.versionId).not.toBe(second.versionId);
    expect(await data.getText('k')).toBe('two');
    expect(await data.getText('k', { versionId: first.versionId! })).toBe('one');
    expect((await data.head('k', first.versionId))?.metadata).toEqual({ email: 'a@example.com' });
    await data.delete('k');
    expect(await data.head('k')).toBeUndefined();
    await expect(data.get('k', 10)).rejects.toBeInstanceOf(ObjectMissingError);
    expect(await data.getText('k', { versionId: second.versionId! })).toBe('two');
    expect(await data.list('')).toEqual([]);
  });

  it('raises one created record per successful write, in order, and none for a refused one', async () => {
    const store = new InMemoryObjectStore();
    const created: CreatedObjectRecord[] = [];
    store.onCreated((o) => created.push(o));
    const data = bindBucket(store, 'b');
    await data.put('lock', '1', { contentType: 'text/plain', ifNoneMatch: '*' });
    await expect(
      data.put('lock', '2', { contentType: 'text/plain', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await data.put('x', 'abc', { contentType: 'text/plain' });
    expect(created.map((o) => [o.bucket, o.key, o.size])).toEqual([
      ['b', 'lock', 1],
      ['b', 'x', 3],
    ]);
  });

  it('answers a presigned link until it expires, at the version it names', async () => {
    let now = new Date('2026-11-27T00:00:00Z');
    const store = new InMemoryObjectStore(() => now);
    const data = bindBucket(store, 'b');
    const v1 = await data.put('users/u1/output/a b.ply', 'ply 1', {
      contentType: 'application/octet-stream',
    });
    await data.put('users/u1/output/a b.ply', 'ply 2', { contentType: 'application/octet-stream' });
    const link = await data.presignGet('users/u1/output/a b.ply', 60, v1.versionId);
    expect(link.expiresAt.toISOString()).toBe('2026-11-27T00:01:00.000Z');
    const answer = store.fetchLink(link.url);
    expect(answer.status === 200 && Buffer.from(answer.body).toString()).toBe('ply 1');
    now = new Date('2026-11-27T00:01:00Z');
    expect(store.fetchLink(link.url).status).toBe(403);
  });
});
