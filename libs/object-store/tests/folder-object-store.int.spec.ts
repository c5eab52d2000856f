import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { parseCreatedObject } from '@gen3d/events';
import { PreconditionFailedError } from '../src/errors';
import { FolderKeyError, FolderObjectStore, PresignedRequestError } from '../src/folder-object-store';

const run = promisify(execFile);
const bucket = 'gen3d-data-bucket';
let root: string;
let writer: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gen3d-folder-'));
  writer = path.join(root, 'writer.cjs');
  buildSync({
    entryPoints: [path.join(__dirname, 'fixtures/folder-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: writer,
    tsconfig: path.join(__dirname, '../../../tsconfig.base.json'),
    logLevel: 'silent',
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const store = () => new FolderObjectStore({ root: path.join(root, 'data'), signingKey: 'k'.repeat(32) });

describe('FolderObjectStore across processes (the local stack and its sidecar share the folder)', () => {
  it('lets exactly one of six processes take an If-None-Match lock', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, [writer, path.join(root, 'data'), 'lock', '0'])),
    );
    expect(results.map((r) => r.stdout.trim()).sort()).toEqual([
      'lost',
      'lost',
      'lost',
      'lost',
      'lost',
      'won',
    ]);
  });

  it('loses no update when four processes increment one counter with If-Match', async () => {
    await store().put(bucket, 'race/counter', '0', { contentType: 'text/plain' });
    await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, [writer, path.join(root, 'data'), 'count', '15']),
      ),
    );
    expect(Buffer.from(await store().get(bucket, 'race/counter', 100)).toString()).toBe('60');
  }, 60_000);
});

describe('FolderObjectStore on disk', () => {
  it('keeps the current content under <root>/<bucket>/<key> for people to open', async () => {
    await store().put(bucket, 'users/u1/output/chair.ply', 'ply\n', {
      contentType: 'application/octet-stream',
    });
    expect(readFileSync(path.join(root, 'data', bucket, 'users/u1/output/chair.ply'), 'utf8')).toBe('ply\n');
    await store().delete(bucket, 'users/u1/output/chair.ply');
    expect(existsSync(path.join(root, 'data', bucket, 'users/u1/output/chair.ply'))).toBe(false);
  });

  it('journals a real-shaped S3 record per created object (key URL-encoded, + for spaces)', async () => {
    const journalled = new FolderObjectStore({ root: path.join(root, 'journal') });
    const put = await journalled.put(bucket, 'users/u1/input/my photo (1)+.png', 'png', {
      contentType: 'image/png',
    });
    const [file] = readdirSync(journalled.eventsDir).filter((f) => f.endsWith('.json'));
    const record = JSON.parse(readFileSync(path.join(journalled.eventsDir, file as string), 'utf8'));
    expect(record.s3.object.key).toBe('users/u1/input/my+photo+%281%29%2B.png');
    expect(parseCreatedObject(record)).toMatchObject({
      bucket,
      key: 'users/u1/input/my photo (1)+.png',
      versionId: put.versionId,
      size: 3,
      eventName: 'ObjectCreated:Put',
    });
  });

  it('journals only what its notification filter names, as S3 sends only configured events', async () => {
    const filtered = new FolderObjectStore({
      root: path.join(root, 'filtered'),
      emitEvents: (_bucket, key) => key.endsWith('.ply'),
    });
    await filtered.put(bucket, 'users/u1/jobs/j1/status.json', '{}', { contentType: 'application/json' });
    await filtered.put(bucket, 'users/u1/output/m.ply', 'ply', { contentType: 'application/octet-stream' });
    const entries = readdirSync(filtered.eventsDir).filter((f) => f.endsWith('.json'));
    expect(entries).toHaveLength(1);
    const record = JSON.parse(readFileSync(path.join(filtered.eventsDir, entries[0] as string), 'utf8'));
    expect(record.s3.object.key).toBe('users/u1/output/m.ply');
  });

  it('refuses keys a folder cannot hold faithfully', async () => {
    for (const key of ['../escape', 'a//b', 'a/./b', '', 'users/u1/..']) {
      await expect(store().put(bucket, key, 'x', { contentType: 'text/plain' })).rejects.toBeInstanceOf(
        FolderKeyError,
      );
    }
    await store().put(bucket, 'shape/file', 'x', { contentType: 'text/plain' });
    await expect(
      store().put(bucket, 'shape/file/child', 'x', { contentType: 'text/plain' }),
    ).rejects.toBeInstanceOf(FolderKeyError);
    expect(await store().head(bucket, 'shape/file/child')).toBeUndefined();
  });

  it('breaks a lock left by a process that died, and still honours If-None-Match', async () => {
    const s = store();
    await s.put(bucket, 'stale/key', 'first', { contentType: 'text/plain' });
    const lockFile = (s as unknown as { keyDir(b: string, k: string): string }).keyDir(bucket, 'stale/key');
    writeFileSync(path.join(lockFile, 'lock'), `999999999 ${Date.now()}`);
    await expect(
      s.put(bucket, 'stale/key', 'again', { contentType: 'text/plain', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await s.put(bucket, 'stale/key', 'second', { contentType: 'text/plain' });
    expect(Buffer.from(await s.get(bucket, 'stale/key', 100)).toString()).toBe('second');
  });

  it('signs links with its key only: another key, or none, cannot vouch for them', async () => {
    const s = store();
    const { url } = await s.presignGet(bucket, 'users/u1/output/x.ply', 60);
    const query = new URL(url).searchParams;
    expect(s.verifyGetLink(bucket, 'users/u1/output/x.ply', query)).toEqual({ versionId: undefined });
    const other = new FolderObjectStore({ root: path.join(root, 'data'), signingKey: 'z'.repeat(32) });
    expect(() => other.verifyGetLink(bucket, 'users/u1/output/x.ply', query)).toThrow(PresignedRequestError);
    expect(() => s.verifyGetLink(bucket, 'users/u1/output/x.ply', new URLSearchParams())).toThrow(
      PresignedRequestError,
    );
    await expect(new FolderObjectStore({ root }).presignGet(bucket, 'k', 60)).rejects.toThrow(
      /no signing key/,
    );
  });
});
