import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import {
  acquireLock,
  createS3Client,
  LockBusyError,
  updateLock,
  ObjectMissingError,
  ObjectTooLargeError,
  PreconditionFailedError,
  S3ObjectStore,
} from './index';

// Integration: the real AWS SDK v3 client against moto server (started by the jest globalSetup).
const client = createS3Client({ endpoint: process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string });
const store = new S3ObjectStore(client);
const bucket = `gen3d-store-${Date.now().toString(36)}`;

beforeAll(async () => {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

describe('S3ObjectStore against moto', () => {
  it('writes, heads and reads an object with its metadata', async () => {
    await store.put(bucket, 'users/u1/input/a b.png', new Uint8Array([1, 2, 3]), {
      contentType: 'image/png',
      metadata: { email: 'someone@example.com' },
    });
    const info = await store.head(bucket, 'users/u1/input/a b.png');
    expect(info).toMatchObject({
      size: 3,
      contentType: 'image/png',
      metadata: { email: 'someone@example.com' },
    });
    expect([...(await store.get(bucket, 'users/u1/input/a b.png', 10))]).toEqual([1, 2, 3]);
    expect(await store.head(bucket, 'nope')).toBeUndefined();
  });

  it('reads the version it is asked for in a versioned bucket', async () => {
    const versioned = `${bucket}-v`;
    await client.send(new CreateBucketCommand({ Bucket: versioned }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await store.put(versioned, 'users/u1/input/a.png', 'first', { contentType: 'image/png' });
    const first = (await store.head(versioned, 'users/u1/input/a.png'))?.versionId as string;
    await store.put(versioned, 'users/u1/input/a.png', 'second!', { contentType: 'image/png' });
    expect(Buffer.from(await store.get(versioned, 'users/u1/input/a.png', 100, first)).toString()).toBe(
      'first',
    );
    expect((await store.head(versioned, 'users/u1/input/a.png', first))?.size).toBe(5);
    expect(Buffer.from(await store.get(versioned, 'users/u1/input/a.png', 100)).toString()).toBe('second!');
  });

  it('reads a range without the rest', async () => {
    await store.put(bucket, 'r', 'abcdefghij', { contentType: 'text/plain' });
    expect(Buffer.from(await store.getRange(bucket, 'r', 0, 3)).toString()).toBe('abcd');
    expect(Buffer.from(await store.getRange(bucket, 'r', 8, 20)).toString()).toBe('ij');
  });

  it('refuses to read past the size limit and says when an object is missing', async () => {
    await store.put(bucket, 'big', new Uint8Array(1000), { contentType: 'application/octet-stream' });
    await expect(store.get(bucket, 'big', 999)).rejects.toBeInstanceOf(ObjectTooLargeError);
    await expect(store.get(bucket, 'missing', 10)).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('makes If-None-Match a lock and If-Match a compare-and-swap', async () => {
    const first = await store.put(bucket, 'lock', '1', { contentType: 'text/plain', ifNoneMatch: '*' });
    await expect(
      store.put(bucket, 'lock', '2', { contentType: 'text/plain', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      store.put(bucket, 'lock', '3', { contentType: 'text/plain', ifMatch: '"not-the-etag"' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.put(bucket, 'lock', '4', { contentType: 'text/plain', ifMatch: first.eTag as string });
    expect(Buffer.from(await store.get(bucket, 'lock', 10)).toString()).toBe('4');
    await store.delete(bucket, 'lock');
    expect(await store.head(bucket, 'lock')).toBeUndefined();
  });

  it('presigns a GET link that works without credentials', async () => {
    await store.put(bucket, 'users/u1/output/mesh.ply', 'ply\n', { contentType: 'application/octet-stream' });
    const { url, expiresAt } = await store.presignGet(bucket, 'users/u1/output/mesh.ply', 3600);
    // Long-lived test credentials: the link lives as long as asked.
    expect(Math.abs(expiresAt.getTime() - Date.now() - 3600_000)).toBeLessThan(5000);
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=3600');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ply\n');
  });
});

describe('acquireLock against moto', () => {
  interface Job {
    readonly startedAt: string;
    readonly state: 'working' | 'done';
  }
  const isFinished = (held: Job) => held.state === 'done';

  it('gives the lock to one attempt, says busy while it works, and finished once it is done', async () => {
    const now = new Date();
    const fresh: Job = { startedAt: now.toISOString(), state: 'working' };
    const first = await acquireLock(store, bucket, 'locks/a', fresh, { staleMs: 1000, now, isFinished });
    expect(first).toMatchObject({ acquired: true, previous: undefined });
    await expect(
      acquireLock(store, bucket, 'locks/a', fresh, { staleMs: 1000, now, isFinished }),
    ).rejects.toBeInstanceOf(LockBusyError);
    if (!first.acquired) throw new Error('unreachable');
    await updateLock(store, bucket, 'locks/a', { ...fresh, state: 'done' }, first.eTag);
    expect(
      await acquireLock(store, bucket, 'locks/a', fresh, { staleMs: 1000, now, isFinished }),
    ).toMatchObject({
      acquired: false,
      held: { state: 'done' },
    });
  });

  it('lets a later attempt take over a stale lock and resume from it', async () => {
    const old: Job = { startedAt: new Date(Date.now() - 60_000).toISOString(), state: 'working' };
    await acquireLock(store, bucket, 'locks/b', old, { staleMs: 1000, now: new Date(), isFinished });
    const now = new Date();
    const taken = await acquireLock(
      store,
      bucket,
      'locks/b',
      { startedAt: now.toISOString(), state: 'working' },
      {
        staleMs: 30_000,
        now,
        isFinished,
      },
    );
    expect(taken).toMatchObject({ acquired: true, previous: old });
  });
});
