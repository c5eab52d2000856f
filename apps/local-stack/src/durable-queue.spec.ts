import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@gen3d/logging';
import { DurableQueue, RetryLaterError, type DurableQueueOptions } from './durable-queue';

const log = createLogger({ service: 'test', level: 'silent' });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-queue-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function queue<T>(handle: DurableQueueOptions<T>['handle'], options: Partial<DurableQueueOptions<T>> = {}) {
  return new DurableQueue<T>({
    dir,
    name: 'test',
    handle,
    concurrency: 2,
    maxAttempts: 3,
    backoff: { initialMs: 20, maxMs: 50 },
    log,
    pollMs: 10,
    ...options,
  });
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const files = (sub: string) => readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.json'));

/** Runs a queue whose handler always throws `error` until message `id` lands in dead/, then stops it. */
async function deadLetter(id: string, error: Error, body = 'x'): Promise<void> {
  const broken = queue<string>(async () => {
    throw error;
  });
  await broken.start();
  await broken.enqueue(id, body);
  await until(() => files('dead').length === 1);
  await broken.stop(1000);
}

describe('DurableQueue', () => {
  it('moves an unreadable message aside with an error line, and goes on with the others', async () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
    });
    const logged = createLogger({ service: 'test', level: 'error', destination });
    const q = queue<string>(async (body) => void seen.push(body), { log: logged });
    await q.start();
    writeFileSync(path.join(dir, 'ready', 'broken.json'), '{"id": "broken", "bod');
    await q.enqueue('ok', 'fine');
    await until(
      () => seen.length === 1 && readdirSync(path.join(dir, 'ready')).includes('broken.json.unreadable'),
    );
    await q.stop(1000);
    expect(seen).toEqual(['fine']);
    expect(lines.join('')).toContain('unreadable queue message: moved aside');
  });

  it('handles each message once and removes it', async () => {
    const seen: string[] = [];
    const q = queue<string>(async (body) => void seen.push(body));
    await q.start();
    await q.enqueue('a', 'first');
    await q.enqueue('b', 'second');
    await until(() => seen.length === 2);
    await q.stop(1000);
    expect(seen.sort()).toEqual(['first', 'second']);
    expect(files('ready')).toEqual([]);
    expect(files('inflight')).toEqual([]);
  });

  it('keeps a message waiting or in flight once: a second enqueue of its id is a no-op', async () => {
    const q = queue<string>(async () => undefined);
    expect(await q.enqueue('same', 'one')).toBe(true);
    expect(await q.enqueue('same', 'two')).toBe(false);
    expect(files('ready')).toEqual(['same.json']);
  });

  it('retries a failing handler with backoff, then succeeds', async () => {
    const attempts: number[] = [];
    const q = queue<string>(
      async (_body, message) => {
        attempts.push(message.attempts);
        if (attempts.length < 3) throw new Error('transient');
      },
      { maxAttempts: 5 },
    );
    await q.start();
    await q.enqueue('flaky', 'x');
    await until(() => attempts.length === 3 && files('inflight').length === 0 && files('ready').length === 0);
    await q.stop(1000);
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('moves a message that keeps failing to dead/ with its last error', async () => {
    await deadLetter('doomed', new TypeError('always broken'));
    const dead = JSON.parse(readFileSync(path.join(dir, 'dead', 'doomed.json'), 'utf8'));
    expect(dead).toMatchObject({ id: 'doomed', attempts: 3, lastError: 'TypeError: always broken' });
  });

  it('hands a message it gives up on to onGiveUp (with the last error) before it goes to dead/', async () => {
    const given: [string, string][] = [];
    const q = queue<string>(
      async () => {
        throw new Error('container gone');
      },
      { onGiveUp: async (body, _message, reason) => void given.push([body, reason]) },
    );
    await q.start();
    await q.enqueue('lost', 'job-1');
    await until(() => files('dead').length === 1);
    await q.stop(1000);
    expect(given).toEqual([['job-1', 'Error: container gone']]);
  });

  it('keeps retrying a message whose onGiveUp fails (nothing given up silently)', async () => {
    let giveUps = 0;
    const q = queue<string>(
      async () => {
        throw new Error('container gone');
      },
      {
        onGiveUp: async () => {
          giveUps += 1;
          if (giveUps < 3) throw new Error('disk full');
        },
      },
    );
    await q.start();
    await q.enqueue('stubborn', 'x');
    await until(() => files('dead').length === 1);
    await q.stop(1000);
    expect(giveUps).toBe(3);
  });

  it('redrives dead/ on start when asked: attempts start again, the message is delivered', async () => {
    await deadLetter('email', new Error('outbox unwritable'), 'payload');
    const seen: [string, number][] = [];
    const restarted = queue<string>(async (body, message) => void seen.push([body, message.attempts]), {
      redriveDeadOnStart: true,
    });
    await restarted.start();
    await until(() => seen.length === 1 && files('inflight').length === 0);
    await restarted.stop(1000);
    expect(seen).toEqual([['payload', 0]]);
    expect(files('dead')).toEqual([]);
  });

  it('redrive() moves dead messages back without a restart and says how many', async () => {
    let fail = true;
    const seen: string[] = [];
    const q = queue<string>(async (body) => {
      if (fail) throw new Error('down');
      seen.push(body);
    });
    await q.start();
    await q.enqueue('a', 'one');
    await until(() => files('dead').length === 1);
    fail = false;
    expect(await q.redrive()).toBe(1);
    await until(() => seen.length === 1);
    await q.stop(1000);
    expect(files('dead')).toEqual([]);
  });

  it('does not count "not now" (RetryLaterError) as an attempt', async () => {
    let calls = 0;
    const q = queue<string>(
      async () => {
        calls += 1;
        if (calls < 6) throw new RetryLaterError('busy', 5);
      },
      { maxAttempts: 1 },
    );
    await q.start();
    await q.enqueue('patient', 'x');
    await until(() => calls === 6 && files('ready').length === 0 && files('inflight').length === 0);
    await q.stop(1000);
    expect(files('dead')).toEqual([]);
  });

  it('redelivers, after a restart, a message that was in flight when the process stopped', async () => {
    let release!: () => void;
    const stuck = queue<string>(() => new Promise<void>((resolve) => (release = resolve)));
    await stuck.start();
    await stuck.enqueue('interrupted', 'payload');
    await until(() => files('inflight').length === 1);
    expect(await stuck.stop(10)).toBe(false); // the "process" goes away with the message in flight
    const seen: string[] = [];
    const restarted = queue<string>(async (body) => void seen.push(body));
    await restarted.start();
    await until(() => seen.length === 1);
    await restarted.stop(1000);
    release();
    expect(seen).toEqual(['payload']);
  });

  it('runs at most `concurrency` handlers at once', async () => {
    let running = 0;
    let peak = 0;
    const q = queue<number>(
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
      },
      { concurrency: 2 },
    );
    await q.start();
    await Promise.all([1, 2, 3, 4, 5].map((n) => q.enqueue(`m${n}`, n)));
    await until(() => files('ready').length === 0 && files('inflight').length === 0 && running === 0);
    await q.stop(1000);
    expect(peak).toBe(2);
  });
});
