import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCreatedObject } from '@gen3d/events';
import { createLogger } from '@gen3d/logging';
import { FolderObjectStore } from '@gen3d/object-store';
import { DurableQueue } from './durable-queue';
import { EventRouter, type S3Notification } from './event-router';

const log = createLogger({ service: 'test', level: 'silent' });
const bucket = 'gen3d-data-bucket';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-router-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  const delivered: Record<'extract' | 'notify', S3Notification[]> = { extract: [], notify: [] };
  const queue = (target: 'extract' | 'notify') =>
    new DurableQueue<S3Notification>({
      dir: path.join(dir, 'queues', target),
      name: target,
      concurrency: 4,
      maxAttempts: 3,
      backoff: { initialMs: 10, maxMs: 10 },
      handle: async (event) => void delivered[target].push(event),
      log,
      pollMs: 10,
    });
  const queues = { extract: queue('extract'), notify: queue('notify') };
  const store = new FolderObjectStore({ root: path.join(dir, 'data') });
  const router = new EventRouter({ eventsDir: store.eventsDir, queues, log, pollMs: 20 });
  return { delivered, queues, store, router };
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('EventRouter', () => {
  it('routes created objects by the shared notification rules, as real-shaped S3 events', async () => {
    const { delivered, queues, store, router } = setup();
    await Promise.all([queues.extract.start(), queues.notify.start()]);
    await router.start();
    // Written by "another process" (a second store on the same folder), as the sidecar writes meshes.
    const sidecar = new FolderObjectStore({ root: path.join(dir, 'data') });
    await store.put(bucket, 'users/u1/input/my photo.png', 'png', { contentType: 'image/png' });
    await store.put(bucket, 'users/u1/jobs/0123456789abcdef/status.json', '{}', {
      contentType: 'application/json',
    });
    await sidecar.put(bucket, 'users/u1/output/my photo.ply', 'ply', {
      contentType: 'application/octet-stream',
    });
    await sidecar.put(bucket, 'users/u1/output/other.failure.json', '{}', {
      contentType: 'application/json',
    });
    await until(() => delivered.extract.length === 1 && delivered.notify.length === 2);
    await router.stop();
    await Promise.all([queues.extract.stop(100), queues.notify.stop(100)]);

    const [upload] = delivered.extract;
    expect(upload?.Records).toHaveLength(1);
    expect(upload?.Records[0].s3.object.key).toBe('users/u1/input/my+photo.png');
    expect(upload?.Records[0].s3.configurationId).toBe('UploadedPng');
    expect(parseCreatedObject(upload?.Records[0])).toMatchObject({
      key: 'users/u1/input/my photo.png',
      bucket,
    });
    expect(delivered.notify.map((e) => e.Records[0].s3.configurationId).sort()).toEqual([
      'FailureDocument',
      'FinishedMesh',
    ]);
    expect(readdirSync(store.eventsDir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('keeps events written while it was stopped, and delivers them when it starts', async () => {
    const first = setup();
    await first.store.put(bucket, 'users/u1/input/offline.png', 'png', { contentType: 'image/png' });
    const { delivered, queues, router } = setup();
    await Promise.all([queues.extract.start(), queues.notify.start()]);
    await router.start();
    await until(() => delivered.extract.length === 1);
    await router.stop();
    await Promise.all([queues.extract.stop(100), queues.notify.stop(100)]);
  });
});
