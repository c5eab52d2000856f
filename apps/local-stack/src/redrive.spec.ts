import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobIdFor } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { FolderObjectStore } from '@gen3d/object-store';
import { DurableQueue } from './durable-queue';
import { redriveDeadLetters } from './redrive';

const BUCKET = 'gen3d-data-bucket';
const JOB = '0123456789abcdef0123456789abcdef';
const log = createLogger({ service: 'test', level: 'silent' });

let root: string;
let queuesDir: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gen3d-redrive-'));
  queuesDir = path.join(root, 'queues');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The S3 event record the folder store journals for a created object (what the extract and notify queues hold). */
async function eventOf(key: string): Promise<{ record: unknown; versionId: string; eTag: string }> {
  const store = new FolderObjectStore({ root: path.join(root, 'data') });
  const put = await store.put(BUCKET, key, 'x', { contentType: 'image/png' });
  const [file] = (await fs.readdir(store.eventsDir)).filter((name) => name.endsWith('.json'));
  const record = JSON.parse(await fs.readFile(path.join(store.eventsDir, file as string), 'utf8')) as unknown;
  await fs.rm(path.join(store.eventsDir, file as string));
  return { record, versionId: put.versionId as string, eTag: (put.eTag as string).replace(/"/g, '') };
}

async function dead(queue: string, id: string, body: unknown): Promise<void> {
  await fs.mkdir(path.join(queuesDir, queue, 'dead'), { recursive: true });
  const message = {
    id,
    body,
    attempts: 8,
    notBefore: Date.now() + 60_000,
    enqueuedAt: '',
    lastError: 'Error: x',
  };
  await fs.writeFile(path.join(queuesDir, queue, 'dead', `${id}.json`), JSON.stringify(message));
}

const readyOf = async (queue: string) =>
  Promise.all(
    (await fs.readdir(path.join(queuesDir, queue, 'ready'))).sort().map(
      async (name) =>
        JSON.parse(await fs.readFile(path.join(queuesDir, queue, 'ready', name), 'utf8')) as {
          id: string;
          attempts: number;
          notBefore: number;
        },
    ),
  );

describe('redriveDeadLetters', () => {
  it('moves every dead letter back to its queue, attempts from zero, and names the jobs it can', async () => {
    const upload = await eventOf('users/u1/input/chair.png');
    await dead('extract', 'e1', { Records: [upload.record] });
    const failure = await eventOf(`sagemaker-output/failures/${JOB}-error.out`);
    await dead('notify', 'n1', { Records: [failure.record] });
    const mesh = await eventOf('users/u1/output/chair.ply');
    await dead('notify', 'n2', { Records: [mesh.record] }); // a mesh's key names no job
    await dead('sagemaker-async', 's1', { inferenceId: JOB, inputLocation: 's3://b/k' });
    await fs.writeFile(path.join(queuesDir, 'notify', 'dead', 'cut.json'), '{"id":'); // unreadable: stays
    // A request the SageMaker-style queue gave up on already has its failure email: it stays where it is.

    const outcomes = await redriveDeadLetters(queuesDir);

    const extractJob = jobIdFor({
      bucket: BUCKET,
      key: 'users/u1/input/chair.png',
      versionId: upload.versionId,
      eTag: upload.eTag,
    });
    expect(outcomes).toEqual([
      { queue: 'extract', moved: 1, jobs: [extractJob] },
      { queue: 'notify', moved: 2, jobs: [JOB] },
    ]);
    expect(await fs.readdir(path.join(queuesDir, 'sagemaker-async', 'dead'))).toEqual(['s1.json']);
    expect(await readyOf('notify')).toEqual([
      expect.objectContaining({ id: 'n1', attempts: 0, notBefore: 0 }),
      expect.objectContaining({ id: 'n2', attempts: 0, notBefore: 0 }),
    ]);
    expect(await fs.readdir(path.join(queuesDir, 'notify', 'dead'))).toEqual(['cut.json']);
    expect(await fs.readdir(path.join(queuesDir, 'extract', 'dead'))).toEqual([]);
    expect(await redriveDeadLetters(queuesDir)).toEqual([
      { queue: 'extract', moved: 0, jobs: [] },
      { queue: 'notify', moved: 0, jobs: [] },
    ]);
  });

  it('leaves a message of the same id already waiting as it is (delivered once)', async () => {
    const failure = await eventOf(`sagemaker-output/failures/${JOB}-error.out`);
    const body = { Records: [failure.record] };
    await dead('notify', 'n1', body);
    await fs.mkdir(path.join(queuesDir, 'notify', 'ready'), { recursive: true });
    const waiting = { id: 'n1', body, attempts: 1, notBefore: 5, enqueuedAt: '' };
    await fs.writeFile(path.join(queuesDir, 'notify', 'ready', 'n1.json'), JSON.stringify(waiting));

    const [, notify] = await redriveDeadLetters(queuesDir);

    expect(notify).toEqual({ queue: 'notify', moved: 1, jobs: [JOB] });
    expect(await readyOf('notify')).toEqual([waiting]);
    expect(await fs.readdir(path.join(queuesDir, 'notify', 'dead'))).toEqual([]);
  });

  it('hands the messages to a queue that is running, which delivers them', async () => {
    let failing = true;
    const handled: string[] = [];
    const failure = await eventOf(`sagemaker-output/failures/${JOB}-error.out`);
    const queue = new DurableQueue<{ Records: unknown[] }>({
      dir: path.join(queuesDir, 'notify'),
      name: 'notify',
      handle: async (body) => {
        if (failing) throw new Error('outbox unwritable');
        handled.push(String(body.Records.length));
      },
      concurrency: 1,
      maxAttempts: 1,
      backoff: { initialMs: 1, maxMs: 1 },
      log,
      pollMs: 10,
    });
    await queue.start();
    await queue.enqueue('n1', { Records: [failure.record] });
    await until(async () => (await fs.readdir(path.join(queuesDir, 'notify', 'dead'))).length === 1);

    failing = false;
    const [, notify] = await redriveDeadLetters(queuesDir);
    await until(async () => handled.length === 1);
    await queue.stop(1000);

    expect(notify).toEqual({ queue: 'notify', moved: 1, jobs: [JOB] });
    expect(handled).toEqual(['1']);
    expect(await queue.pending()).toBe(0);
  });
});

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
