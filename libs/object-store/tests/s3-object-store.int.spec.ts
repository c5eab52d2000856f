import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import {
  acquireLock,
  bindBucket,
  createS3Client,
  LockBusyError,
  ObjectMissingError,
  ObjectTooLargeError,
  PreconditionFailedError,
  S3ObjectStore,
  UNDATED_SESSION_LINK_SECONDS,
  updateLock,
} from '../src/index';

// Integration: the real AWS SDK v3 client against moto server (started by the jest globalSetup), in a versioned
// bucket like production's.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const client = createS3Client({ endpoint });
const store = new S3ObjectStore(client);
const bucket = `gen3d-store-${Date.now().toString(36)}`;
const data = bindBucket(store, bucket);

beforeAll(async () => {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
});

describe('S3ObjectStore against moto', () => {
  it('writes, heads and reads an object with its metadata, and says which version it wrote', async () => {
    const written = await data.put('users/u1/input/a b.png', new Uint8Array([1, 2, 3]), {
      contentType: 'image/png',
      metadata: { email: 'someone@example.com' },
    });
    const info = await data.head('users/u1/input/a b.png');
    expect(info).toMatchObject({
      size: 3,
      contentType: 'image/png',
      metadata: { email: 'someone@example.com' },
      versionId: written.versionId,
      eTag: written.eTag,
    });
    expect(written.versionId).toBeTruthy();
    expect([...(await data.get('users/u1/input/a b.png', 10))]).toEqual([1, 2, 3]);
    expect(await data.head('nope')).toBeUndefined();
  });

  it('reads the version it is asked for', async () => {
    const first = await data.put('users/u1/input/a.png', 'first', { contentType: 'image/png' });
    await data.put('users/u1/input/a.png', 'second!', { contentType: 'image/png' });
    expect(await data.getText('users/u1/input/a.png', { versionId: first.versionId! })).toBe('first');
    expect((await data.head('users/u1/input/a.png', first.versionId))?.size).toBe(5);
    expect(await data.getText('users/u1/input/a.png')).toBe('second!');
  });

  it('lists every key under a prefix, across pages, in key order', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `list/k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((key) => data.put(key, 'x', { contentType: 'text/plain' })),
      );
    }
    await data.put('listing-elsewhere', 'x', { contentType: 'text/plain' });
    const listed = await data.list('list/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed[0]).toMatchObject({ size: 1 });
    expect(await data.list('nothing-here/')).toEqual([]);
  }, 120_000);

  it('reads a range without the rest', async () => {
    await data.put('r', 'abcdefghij', { contentType: 'text/plain' });
    expect(Buffer.from(await data.getRange('r', 0, 3)).toString()).toBe('abcd');
    expect(Buffer.from(await data.getRange('r', 8, 20)).toString()).toBe('ij');
  });

  it('refuses to read past the size limit and says when an object is missing', async () => {
    await data.put('big', new Uint8Array(1000), { contentType: 'application/octet-stream' });
    await expect(data.get('big', 999)).rejects.toBeInstanceOf(ObjectTooLargeError);
    await expect(data.get('missing', 10)).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('makes If-None-Match a lock and If-Match a compare-and-swap', async () => {
    const first = await data.put('lock', '1', { contentType: 'text/plain', ifNoneMatch: '*' });
    await expect(
      data.put('lock', '2', { contentType: 'text/plain', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      data.put('lock', '3', { contentType: 'text/plain', ifMatch: '"not-the-etag"' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await data.put('lock', '4', { contentType: 'text/plain', ifMatch: first.eTag as string });
    expect(await data.getText('lock')).toBe('4');
    await data.delete('lock');
    expect(await data.head('lock')).toBeUndefined();
  });

  it('presigns a GET link that works without credentials', async () => {
    await data.put('users/u1/output/mesh.ply', 'ply\n', { contentType: 'application/octet-stream' });
    const { url, expiresAt } = await data.presignGet('users/u1/output/mesh.ply', 3600);
    // Long-lived test credentials: the link lives as long as asked.
    expect(Math.abs(expiresAt.getTime() - Date.now() - 3600_000)).toBeLessThan(5000);
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=3600');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ply\n');
  });

  it('says that a link signed with session credentials dies with them, whatever was asked', async () => {
    // A Lambda role's credentials: a session token and an expiry, here 20 minutes away.
    const expiration = new Date(Date.now() + 20 * 60_000);
    const session = new S3ObjectStore(
      createS3Client({
        endpoint,
        credentials: {
          accessKeyId: 'ASIATESTSESSION',
          secretAccessKey: 'testing',
          sessionToken: 'session-token-of-the-role',
          expiration,
        },
      }),
    );
    await data.put('users/u1/output/session.ply', 'ply\n', { contentType: 'application/octet-stream' });
    const { url, expiresAt } = await bindBucket(session, bucket).presignGet(
      'users/u1/output/session.ply',
      7 * 86400,
    );
    expect(expiresAt.getTime()).toBe(expiration.getTime());
    expect(url).toContain('X-Amz-Security-Token=session-token-of-the-role');
    expect(url).toContain('X-Amz-Expires=604800');
    expect((await fetch(url)).status).toBe(200);
  });

  it('promises at most an hour for a session that does not say when it expires (a Lambda role’s environment)', async () => {
    const session = new S3ObjectStore(
      createS3Client({
        endpoint,
        credentials: { accessKeyId: 'ASIATESTSESSION', secretAccessKey: 'testing', sessionToken: 'undated' },
      }),
    );
    await data.put('users/u1/output/undated.ply', 'ply\n', { contentType: 'application/octet-stream' });
    const asked = Date.now();
    const { url, expiresAt } = await bindBucket(session, bucket).presignGet(
      'users/u1/output/undated.ply',
      7 * 86400,
    );
    expect(expiresAt.getTime() - asked).toBeLessThanOrEqual(UNDATED_SESSION_LINK_SECONDS * 1000 + 1000);
    expect(expiresAt.getTime() - asked).toBeGreaterThan(UNDATED_SESSION_LINK_SECONDS * 1000 - 5000);
    expect(url).toContain(`X-Amz-Expires=${UNDATED_SESSION_LINK_SECONDS}`);
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('acquireLock against moto', () => {
  interface Job {
    readonly startedAt: string;
    readonly expiresAt: string;
    readonly state: 'working' | 'done';
  }
  const isFinished = (held: Job) => held.state === 'done';
  const lockAt = (now: Date, lifetimeMs: number): Job => ({
    startedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
    state: 'working',
  });

  it('gives the lock to one attempt, says busy before its deadline, and finished once it is done', async () => {
    const now = new Date();
    const fresh = lockAt(now, 60_000);
    const first = await acquireLock(data, 'locks/a', fresh, { now, isFinished });
    expect(first).toMatchObject({ acquired: true, previous: undefined });
    await expect(acquireLock(data, 'locks/a', fresh, { now, isFinished })).rejects.toBeInstanceOf(
      LockBusyError,
    );
    if (!first.acquired) throw new Error('unreachable');
    await updateLock(data, 'locks/a', { ...fresh, state: 'done' }, first.eTag);
    expect(await acquireLock(data, 'locks/a', fresh, { now, isFinished })).toMatchObject({
      acquired: false,
      held: { state: 'done' },
    });
  });

  it("lets a later attempt take over once the holder's deadline has passed, and resume from it", async () => {
    const then = new Date(Date.now() - 60_000);
    const old = lockAt(then, 30_000);
    await acquireLock(data, 'locks/b', old, { now: then, isFinished });
    const now = new Date();
    const taken = await acquireLock(data, 'locks/b', lockAt(now, 30_000), { now, isFinished });
    expect(taken).toMatchObject({ acquired: true, previous: old });
  });
});
