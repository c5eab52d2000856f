import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ObjectMissingError, ObjectTooLargeError, PreconditionFailedError } from '../src/errors';
import { FolderObjectStore, PresignedRequestError } from '../src/folder-object-store';
import { InMemoryObjectStore } from '../src/memory-object-store';
import type { ObjectStore, PresignedPost } from '../src/object-store';
import { createS3Client, S3ObjectStore } from '../src/s3-object-store';
import { createVersionedBucket } from '../src/testing';

/**
 * ONE contract for every adapter of the storage port: S3 (the real AWS SDK against moto server), the local stack's
 * folder, and memory. Each adapter brings a bucket and a way to follow a link / send a browser POST form; the
 * behaviour asserted is the same.
 */
interface Adapter {
  readonly store: ObjectStore;
  readonly bucket: string;
  /** GET a presigned link as a browser would. */
  fetchLink(url: string): Promise<{ status: number; body: Buffer }>;
  /** POST a presigned form (fields, then the file) as a browser would. */
  postForm(post: PresignedPost, file: Uint8Array, extra?: Record<string, string>): Promise<number>;
  /**
   * moto checks neither link signatures nor POST policies, and the in-memory links are not signed: those cases run
   * where the adapter enforces them (S3 itself does).
   */
  readonly enforcesLinkSignatures: boolean;
  readonly enforcesPostPolicy: boolean;
}

async function browserPost(post: PresignedPost, file: Uint8Array, extra: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...extra })) form.append(name, value);
  form.append('file', new Blob([Buffer.from(file)]), 'upload.png');
  const response = await fetch(post.url, { method: 'POST', body: form });
  await response.arrayBuffer();
  return response.status;
}

async function browserGet(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

const folderRoot = mkdtempSync(path.join(tmpdir(), 'gen3d-contract-'));
let folderServer: Server;

/** The two routes the local stack serves for the folder adapter, reduced to what the store decides. */
async function serveFolder(store: FolderObjectStore): Promise<string> {
  folderServer = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const [, , bucket = '', ...rest] = url.pathname.split('/');
      try {
        if (req.method === 'POST') {
          const request = new Request(url, {
            method: 'POST',
            headers: req.headers as Record<string, string>,
            body: req as unknown as ReadableStream,
            duplex: 'half',
          } as RequestInit);
          const form = await request.formData();
          const file = form.get('file') as File;
          const fields = new Map<string, string>();
          for (const [name, value] of form) if (typeof value === 'string') fields.set(name, value);
          await store.acceptPost(bucket, fields, new Uint8Array(await file.arrayBuffer()));
          res.writeHead(204).end();
          return;
        }
        const key = rest.map(decodeURIComponent).join('/');
        const { versionId } = store.verifyGetLink(bucket, key, url.searchParams);
        res.writeHead(200).end(Buffer.from(await store.get(bucket, key, 1 << 20, versionId)));
      } catch (error) {
        res.writeHead(error instanceof PresignedRequestError ? 403 : 404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => folderServer.listen(0, '127.0.0.1', resolve));
  const address = folderServer.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const adapters: Record<string, () => Promise<Adapter>> = {
  s3: async () => {
    const client = createS3Client({ endpoint: process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string });
    const bucket = await createVersionedBucket(client, 'gen3d-contract');
    return {
      store: new S3ObjectStore(client),
      bucket,
      fetchLink: browserGet,
      postForm: browserPost,
      enforcesLinkSignatures: false,
      enforcesPostPolicy: false,
    };
  },
  folder: async () => {
    let base = '';
    const store = new FolderObjectStore({
      root: folderRoot,
      signingKey: 'contract-test-signing-key-0123456789',
      publicBaseUrl: 'http://placeholder',
    });
    base = await serveFolder(store);
    return {
      store: new FolderObjectStore({
        root: folderRoot,
        signingKey: 'contract-test-signing-key-0123456789',
        publicBaseUrl: base,
      }),
      bucket: 'gen3d-data-bucket',
      fetchLink: browserGet,
      postForm: browserPost,
      enforcesLinkSignatures: true,
      enforcesPostPolicy: true,
    };
  },
  memory: async () => {
    const store = new InMemoryObjectStore();
    return {
      store,
      bucket: 'gen3d-data-bucket',
      fetchLink: async (url) => {
        const answer = store.fetchLink(url);
        return { status: answer.status, body: Buffer.from(answer.status === 200 ? answer.body : []) };
      },
      postForm: async (post, file, extra = {}) => (await store.acceptPost(post, file, extra)).status,
      enforcesLinkSignatures: false,
      enforcesPostPolicy: true,
    };
  },
};

afterAll(async () => {
  await new Promise((resolve) => (folderServer ? folderServer.close(resolve) : resolve(undefined)));
  rmSync(folderRoot, { recursive: true, force: true });
});

describe.each(Object.keys(adapters))('ObjectStore contract: %s', (name) => {
  let a: Adapter;
  beforeAll(async () => {
    a = await (adapters[name] as () => Promise<Adapter>)();
  });
  const text = async (key: string, versionId?: string) =>
    Buffer.from(await a.store.get(a.bucket, key, 1000, versionId)).toString();

  it('writes, heads and reads an object with its content type and metadata (names lower-cased)', async () => {
    const put = await a.store.put(a.bucket, 'users/u1/input/my photo (1).png', new Uint8Array([1, 2, 3]), {
      contentType: 'image/png',
      metadata: { Email: 'someone@example.com', quality: 'fast' },
    });
    const info = await a.store.head(a.bucket, 'users/u1/input/my photo (1).png');
    expect(info).toMatchObject({
      size: 3,
      contentType: 'image/png',
      metadata: { email: 'someone@example.com', quality: 'fast' },
      eTag: '"5289df737df57326fcdd22597afb1fac"',
    });
    expect(put.eTag).toBe(info?.eTag);
    expect(info?.lastModified).toBeInstanceOf(Date);
    expect([...(await a.store.get(a.bucket, 'users/u1/input/my photo (1).png', 10))]).toEqual([1, 2, 3]);
  });

  it('says when an object is missing and refuses to read past the size limit', async () => {
    expect(await a.store.head(a.bucket, 'users/u1/input/nothing.png')).toBeUndefined();
    await expect(a.store.get(a.bucket, 'users/u1/input/nothing.png', 10)).rejects.toBeInstanceOf(
      ObjectMissingError,
    );
    await expect(a.store.getRange(a.bucket, 'users/u1/input/nothing.png', 0, 3)).rejects.toBeInstanceOf(
      ObjectMissingError,
    );
    await a.store.put(a.bucket, 'big', new Uint8Array(1000), { contentType: 'application/octet-stream' });
    await expect(a.store.get(a.bucket, 'big', 999)).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect((await a.store.get(a.bucket, 'big', 1000)).length).toBe(1000);
  });

  it('reads a range without the rest, and an empty range of an empty object', async () => {
    await a.store.put(a.bucket, 'range', 'abcdefghij', { contentType: 'text/plain' });
    expect(Buffer.from(await a.store.getRange(a.bucket, 'range', 0, 3)).toString()).toBe('abcd');
    expect(Buffer.from(await a.store.getRange(a.bucket, 'range', 4, 5)).toString()).toBe('ef');
    expect(Buffer.from(await a.store.getRange(a.bucket, 'range', 8, 20)).toString()).toBe('ij');
    await a.store.put(a.bucket, 'empty', '', { contentType: 'text/plain' });
    expect((await a.store.getRange(a.bucket, 'empty', 0, 15)).length).toBe(0);
  });

  it('keeps every version readable by its id, as the pipeline reads the exact upload it checked', async () => {
    const first = await a.store.put(a.bucket, 'users/u1/input/v.png', 'first', { contentType: 'image/png' });
    const second = await a.store.put(a.bucket, 'users/u1/input/v.png', 'second!', {
      contentType: 'image/png',
      metadata: { email: 'b@example.com' },
    });
    expect(first.versionId).toBeDefined();
    expect(second.versionId).not.toBe(first.versionId);
    expect(await text('users/u1/input/v.png', first.versionId)).toBe('first');
    expect(await text('users/u1/input/v.png')).toBe('second!');
    expect(await a.store.head(a.bucket, 'users/u1/input/v.png', first.versionId)).toMatchObject({
      size: 5,
      versionId: first.versionId,
      metadata: {},
    });
    expect((await a.store.head(a.bucket, 'users/u1/input/v.png'))?.versionId).toBe(second.versionId);
    expect(
      Buffer.from(await a.store.getRange(a.bucket, 'users/u1/input/v.png', 0, 1, first.versionId)).toString(),
    ).toBe('fi');
    await a.store.delete(a.bucket, 'users/u1/input/v.png');
    expect(await a.store.head(a.bucket, 'users/u1/input/v.png')).toBeUndefined();
    expect(await text('users/u1/input/v.png', first.versionId)).toBe('first');
  });

  it('makes If-None-Match a lock and If-Match a compare-and-swap', async () => {
    const first = await a.store.put(a.bucket, 'lock', '1', { contentType: 'text/plain', ifNoneMatch: '*' });
    await expect(
      a.store.put(a.bucket, 'lock', '2', { contentType: 'text/plain', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      a.store.put(a.bucket, 'lock', '3', { contentType: 'text/plain', ifMatch: '"not-the-etag"' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      a.store.put(a.bucket, 'no-such-lock', '3', {
        contentType: 'text/plain',
        ifMatch: first.eTag as string,
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    const second = await a.store.put(a.bucket, 'lock', '4', {
      contentType: 'text/plain',
      ifMatch: first.eTag as string,
    });
    expect(await text('lock')).toBe('4');
    await expect(
      a.store.put(a.bucket, 'lock', '5', { contentType: 'text/plain', ifMatch: first.eTag as string }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await a.store.put(a.bucket, 'lock', '6', { contentType: 'text/plain', ifMatch: second.eTag as string });
    await a.store.delete(a.bucket, 'lock');
    expect(await a.store.head(a.bucket, 'lock')).toBeUndefined();
    await a.store.put(a.bucket, 'lock', '7', { contentType: 'text/plain', ifNoneMatch: '*' });
    await a.store.delete(a.bucket, 'never-written');
  });

  it('lets exactly one of many concurrent If-None-Match writers win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        a.store.put(a.bucket, 'race/lock', `writer ${i}`, { contentType: 'text/plain', ifNoneMatch: '*' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
    }
  });

  it('lets exactly one of concurrent If-Match writers with the same ETag win (no lost update)', async () => {
    const base = await a.store.put(a.bucket, 'race/cas', '0', { contentType: 'text/plain' });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        a.store.put(a.bucket, 'race/cas', `${i + 1}`, {
          contentType: 'text/plain',
          ifMatch: base.eTag as string,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('lists the keys under a prefix, in key order, without deleted ones', async () => {
    for (const key of [
      'list/b/2.json',
      'list/a.json',
      'list/b/1.json',
      'listing-not.json',
      'list/gone.json',
    ]) {
      await a.store.put(a.bucket, key, key, { contentType: 'application/json' });
    }
    await a.store.delete(a.bucket, 'list/gone.json');
    const listed = await a.store.list(a.bucket, 'list/');
    expect(listed.map((o) => o.key)).toEqual(['list/a.json', 'list/b/1.json', 'list/b/2.json']);
    expect(listed[0]).toMatchObject({ size: 'list/a.json'.length });
    expect((await a.store.list(a.bucket, 'list/b/')).map((o) => o.key)).toEqual([
      'list/b/1.json',
      'list/b/2.json',
    ]);
    expect((await a.store.list(a.bucket, 'list/b/1')).map((o) => o.key)).toEqual(['list/b/1.json']);
    expect(await a.store.list(a.bucket, 'nothing-here/')).toEqual([]);
  });

  it('lists every version of a key newest first, and deletes one version for good', async () => {
    const key = 'versions/users/u1/input/chair.png';
    const first = await a.store.put(a.bucket, key, 'first', { contentType: 'image/png' });
    const second = await a.store.put(a.bucket, key, 'second', { contentType: 'image/png' });
    await a.store.put(a.bucket, 'versions/users/u1/input/other.png', 'other', { contentType: 'image/png' });
    const real = (versions: Awaited<ReturnType<ObjectStore['listVersions']>>) =>
      versions.filter((v) => v.key === key && !v.deleteMarker);

    const listed = real(await a.store.listVersions(a.bucket, 'versions/users/u1/input/'));
    expect(listed.map((v) => [v.versionId, v.isLatest, v.size])).toEqual([
      [second.versionId, true, 6],
      [first.versionId, false, 5],
    ]);
    expect((await a.store.listVersions(a.bucket, 'versions/users/u1/input/')).map((v) => v.key)).toContain(
      'versions/users/u1/input/other.png',
    );

    // Deleting the current version by id: the previous one is current again, the deleted one unreadable.
    await a.store.delete(a.bucket, key, second.versionId);
    expect(await text(key)).toBe('first');
    expect(await a.store.head(a.bucket, key, second.versionId)).toBeUndefined();
    expect(real(await a.store.listVersions(a.bucket, key)).map((v) => v.versionId)).toEqual([
      first.versionId,
    ]);

    // Every version deleted: the key is gone, from the listings too.
    await a.store.delete(a.bucket, key, first.versionId);
    expect(await a.store.head(a.bucket, key)).toBeUndefined();
    expect(await a.store.head(a.bucket, key, first.versionId)).toBeUndefined();
    expect(await a.store.listVersions(a.bucket, key)).toEqual([]);
    expect((await a.store.list(a.bucket, 'versions/')).map((o) => o.key)).toEqual([
      'versions/users/u1/input/other.png',
    ]);
  });

  it('lists the versions a hidden key keeps, and deleting them leaves nothing behind', async () => {
    const key = 'hidden/users/u1/output/chair.ply';
    const kept = await a.store.put(a.bucket, key, 'mesh', { contentType: 'application/octet-stream' });
    await a.store.delete(a.bucket, key);
    expect(await a.store.head(a.bucket, key)).toBeUndefined();
    const versions = await a.store.listVersions(a.bucket, key);
    expect(versions.filter((v) => !v.deleteMarker).map((v) => v.versionId)).toEqual([kept.versionId]);
    for (const version of versions) await a.store.delete(a.bucket, key, version.versionId);
    expect(await a.store.listVersions(a.bucket, key)).toEqual([]);
    expect(await a.store.head(a.bucket, key, kept.versionId)).toBeUndefined();
  });

  it('presigns a GET link that works without credentials, for the version it names', async () => {
    const first = await a.store.put(a.bucket, 'users/u1/output/mesh.ply', 'ply one\n', {
      contentType: 'application/octet-stream',
    });
    await a.store.put(a.bucket, 'users/u1/output/mesh.ply', 'ply two\n', {
      contentType: 'application/octet-stream',
    });
    const { url, expiresAt } = await a.store.presignGet(a.bucket, 'users/u1/output/mesh.ply', 3600);
    expect(Math.abs(expiresAt.getTime() - Date.now() - 3600_000)).toBeLessThan(5000);
    expect(await a.fetchLink(url)).toMatchObject({ status: 200, body: Buffer.from('ply two\n') });
    const old = await a.store.presignGet(a.bucket, 'users/u1/output/mesh.ply', 3600, first.versionId);
    expect((await a.fetchLink(old.url)).body.toString()).toBe('ply one\n');
  });

  it('refuses a link once it expired, and one whose key, version or expiry was altered', async () => {
    if (!a.enforcesLinkSignatures) return; // see Adapter.enforcesLinkSignatures
    await a.store.put(a.bucket, 'users/u1/output/a.ply', 'a', { contentType: 'application/octet-stream' });
    await a.store.put(a.bucket, 'users/u1/output/b.ply', 'b', { contentType: 'application/octet-stream' });
    const { url } = await a.store.presignGet(a.bucket, 'users/u1/output/a.ply', 1);
    expect((await a.fetchLink(url)).status).toBe(200);
    expect((await a.fetchLink(url.replace('/a.ply', '/b.ply'))).status).toBe(403);
    const later = new URL(url);
    for (const name of ['X-Gen3D-Expires', 'expires']) {
      if (later.searchParams.has(name))
        later.searchParams.set(name, name === 'expires' ? '2999-01-01T00:00:00.000Z' : '32503680000');
    }
    expect((await a.fetchLink(later.toString())).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await a.fetchLink(url)).status).toBe(403);
  });

  it('accepts a browser POST upload within its policy and stores content type and metadata', async () => {
    const key = 'users/u2/input/posted photo.png';
    const post = await a.store.presignPost(a.bucket, key, {
      contentType: 'image/png',
      minBytes: 1,
      maxBytes: 100,
      metadata: { email: 'poster@example.com', quality: 'high' },
      expiresInSeconds: 60,
    });
    expect(post.fields).toMatchObject({
      key,
      'Content-Type': 'image/png',
      'x-amz-meta-email': 'poster@example.com',
    });
    expect(await a.postForm(post, new Uint8Array([137, 80, 78, 71]))).toBeLessThan(300);
    expect(await a.store.head(a.bucket, key)).toMatchObject({
      size: 4,
      contentType: 'image/png',
      metadata: { email: 'poster@example.com', quality: 'high' },
    });
  });

  it('refuses a POST upload outside its policy: size, altered fields, extra metadata, expiry', async () => {
    if (!a.enforcesPostPolicy) return; // see Adapter.enforcesPostPolicy
    const key = 'users/u3/input/strict.png';
    const post = await a.store.presignPost(a.bucket, key, {
      contentType: 'image/png',
      minBytes: 2,
      maxBytes: 8,
      metadata: { email: 'strict@example.com' },
      expiresInSeconds: 1,
    });
    const ok = new Uint8Array(4);
    expect(await a.postForm(post, new Uint8Array(9))).toBeGreaterThanOrEqual(400);
    expect(await a.postForm(post, new Uint8Array(1))).toBeGreaterThanOrEqual(400);
    expect(await a.postForm(post, ok, { key: 'users/other/input/x.png' })).toBeGreaterThanOrEqual(400);
    expect(
      await a.postForm(post, ok, { 'x-amz-meta-email': 'someone-else@example.com' }),
    ).toBeGreaterThanOrEqual(400);
    expect(await a.postForm(post, ok, { 'x-amz-meta-backend': 'sam3d' })).toBeGreaterThanOrEqual(400);
    expect(await a.store.head(a.bucket, key)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await a.postForm(post, ok)).toBeGreaterThanOrEqual(400);
    expect(await a.store.head(a.bucket, key)).toBeUndefined();
  });
});
