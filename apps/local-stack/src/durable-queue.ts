import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@gen3d/logging';

/**
 * A queue on disk, one JSON file per message, for the local stack's at-least-once deliveries (S3 events to the
 * handlers, async inference requests to the sidecar):
 *
 *   <dir>/ready/<id>.json      waiting (with the earliest time of its next attempt)
 *   <dir>/inflight/<id>.json   being handled; moved back to ready/ when the process starts again (a crash or a
 *                              restart mid-delivery redelivers: at least once, never dropped)
 *   <dir>/dead/<id>.json       gave up after `maxAttempts`, with the last error (logged at error level), after
 *                              `onGiveUp` has recorded the outcome; `redrive()` (and `redriveDeadOnStart`) sends
 *                              them again, attempts counted from zero, as SQS's dead-letter redrive does
 *
 * Every move is a rename, so a message is in exactly one folder whatever moment the process dies at. One consumer
 * per folder (this process); any process may enqueue.
 */
export interface QueueMessage<T> {
  readonly id: string;
  readonly body: T;
  readonly attempts: number;
  /** Epoch ms before which the message is not handled (backoff). */
  readonly notBefore: number;
  readonly enqueuedAt: string;
  readonly lastError?: string;
}

export interface DurableQueueOptions<T> {
  readonly dir: string;
  readonly name: string;
  readonly handle: (body: T, message: QueueMessage<T>) => Promise<void>;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly log: Logger;
  /** How often the folder is looked at for messages other processes wrote or whose backoff ended. */
  readonly pollMs?: number;
  /** A handler error that says how long to wait before the next attempt (e.g. a 429's Retry-After). */
  readonly retryAfterMs?: (error: unknown) => number | undefined;
  /**
   * Called once the retries are spent, before the message goes to dead/ (e.g. SageMaker writing the failure path so
   * the job still ends in an email). If it throws, the message is retried rather than given up silently.
   */
  readonly onGiveUp?: (body: T, message: QueueMessage<T>, reason: string) => Promise<void>;
  /** Moves what dead/ holds back to ready/ when the queue starts (a restart is the operator's redrive). */
  readonly redriveDeadOnStart?: boolean;
}

/** A handler error meaning "not now": retried after `delayMs` without counting as an attempt. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';

  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

export class DurableQueue<T> {
  private readonly ready: string;
  private readonly inflight: string;
  private readonly dead: string;
  private readonly running = new Map<string, Promise<void>>();
  private readonly notBefore = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private scanning: Promise<void> | undefined;
  private rescan = false;

  constructor(private readonly options: DurableQueueOptions<T>) {
    this.ready = path.join(options.dir, 'ready');
    this.inflight = path.join(options.dir, 'inflight');
    this.dead = path.join(options.dir, 'dead');
  }

  /** How many messages are waiting or being handled. */
  pending(): Promise<number> {
    return Promise.all([fs.readdir(this.ready), fs.readdir(this.inflight)]).then(
      ([r, i]) => r.filter(isMessage).length + i.filter(isMessage).length,
    );
  }

  get active(): number {
    return this.running.size;
  }

  /**
   * Adds a message durably (it is on disk when this resolves). An id already waiting or in flight is not added twice.
   * @returns false when a message with this id was already queued.
   */
  async enqueue(id: string, body: T): Promise<boolean> {
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(id)) throw new Error(`not a queue message id: ${id}`);
    await this.ensureDirs();
    const message: QueueMessage<T> = {
      id,
      body,
      attempts: 0,
      notBefore: 0,
      enqueuedAt: new Date().toISOString(),
    };
    try {
      if (await exists(path.join(this.inflight, `${id}.json`))) return false;
      // link() refuses an existing name: a second enqueue of a waiting id is a no-op.
      await writeNewMessage(this.options.dir, path.join(this.ready, `${id}.json`), message);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      this.wake();
    }
  }

  /** Recovers what a previous run left in flight, then handles messages until `stop`. */
  async start(): Promise<void> {
    await this.ensureDirs();
    for (const file of (await fs.readdir(this.inflight)).filter(isMessage)) {
      await fs.rename(path.join(this.inflight, file), path.join(this.ready, file));
      this.options.log.warn(
        { queue: this.options.name, message: file.slice(0, -5) },
        'redelivering a message left in flight by the last run',
      );
    }
    if (this.options.redriveDeadOnStart) await this.redrive();
    this.started = true;
    this.schedule(0);
  }

  /**
   * Sends again every message in dead/ (attempts from zero, no backoff), as an SQS dead-letter redrive.
   * @returns how many messages were moved back.
   */
  async redrive(): Promise<number> {
    const moved = await redriveDead<T>(this.options.dir);
    for (const message of moved) {
      this.options.log.warn(
        { queue: this.options.name, message: message.id, lastError: message.lastError },
        'redriving a message from dead/',
      );
    }
    this.wake();
    return moved.length;
  }

  /** Waits (at most `timeoutMs`) until no message is waiting or being handled. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.pending()) > 0 && Date.now() < deadline) {
      this.wake();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops taking messages; waits for the ones being handled (at most `graceMs`), leaves the rest on disk. */
  async stop(graceMs: number): Promise<boolean> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.scanning;
    const all = Promise.all(this.running.values()).then(() => true);
    return Promise.race([
      all,
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
  }

  private wake(): void {
    if (this.started && !this.stopping) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), delayMs);
  }

  private async scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.claimAndRun().finally(() => {
      this.scanning = undefined;
      if (this.stopping) return;
      if (this.rescan) {
        this.rescan = false;
        this.schedule(0);
      } else this.schedule(this.options.pollMs ?? 250);
    });
    await this.scanning;
  }

  private async claimAndRun(): Promise<void> {
    let files: string[];
    try {
      files = (await fs.readdir(this.ready)).filter(isMessage).sort();
    } catch (error) {
      this.options.log.error({ err: error, queue: this.options.name }, 'cannot read the queue folder');
      return;
    }
    const now = Date.now();
    for (const file of files) {
      if (this.stopping || this.running.size >= this.options.concurrency) return;
      if (this.running.has(file) || (this.notBefore.get(file) ?? 0) > now) continue;
      const message = await readMessage<T>(path.join(this.ready, file), this.options.log, this.options.name);
      if (!message) continue;
      if (message.notBefore > now) {
        this.notBefore.set(file, message.notBefore);
        continue;
      }
      try {
        await fs.rename(path.join(this.ready, file), path.join(this.inflight, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      this.notBefore.delete(file);
      const run = this.deliver(file, message).finally(() => {
        this.running.delete(file);
        this.wake();
      });
      this.running.set(file, run);
    }
  }

  private async deliver(file: string, message: QueueMessage<T>): Promise<void> {
    const { log, name } = this.options;
    const inflight = path.join(this.inflight, file);
    try {
      await this.options.handle(message.body, message);
      await fs.rm(inflight, { force: true });
      return;
    } catch (error) {
      const later = error instanceof RetryLaterError ? error.delayMs : this.options.retryAfterMs?.(error);
      const attempts = later === undefined ? message.attempts + 1 : message.attempts;
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      if (attempts >= this.options.maxAttempts && (await this.givenUp(message, attempts, reason))) {
        await fs.rename(inflight, path.join(this.dead, file));
        await fs.writeFile(
          path.join(this.dead, file),
          JSON.stringify({ ...message, attempts, lastError: reason }),
        );
        log.error(
          { queue: name, message: message.id, attempts, reason },
          'delivery failed for good: moved to dead/',
        );
        return;
      }
      const { initialMs, maxMs } = this.options.backoff;
      const delay = later ?? Math.min(maxMs, initialMs * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4);
      const retry: QueueMessage<T> = {
        ...message,
        attempts,
        notBefore: Date.now() + delay,
        lastError: reason,
      };
      const temp = path.join(this.options.dir, `.tmp-${randomBytes(6).toString('hex')}`);
      await fs.writeFile(temp, JSON.stringify(retry));
      await fs.rename(temp, path.join(this.ready, file));
      await fs.rm(inflight, { force: true });
      this.notBefore.set(file, retry.notBefore);
      (later === undefined ? log.warn : log.debug).call(
        log,
        { queue: name, message: message.id, attempts, retryInMs: Math.round(delay), reason },
        'delivery failed; retrying with backoff',
      );
    }
  }

  /** Lets `onGiveUp` record the outcome; false (retry again) when it could not. */
  private async givenUp(message: QueueMessage<T>, attempts: number, reason: string): Promise<boolean> {
    try {
      await this.options.onGiveUp?.(message.body, { ...message, attempts, lastError: reason }, reason);
      return true;
    } catch (error) {
      this.options.log.error(
        { err: error, queue: this.options.name, message: message.id, attempts, reason },
        'giving up failed: retrying the message instead',
      );
      return false;
    }
  }

  private async ensureDirs(): Promise<void> {
    await Promise.all(
      [this.ready, this.inflight, this.dead].map((dir) => fs.mkdir(dir, { recursive: true })),
    );
  }
}

/**
 * Moves every message of a queue folder's dead/ back to ready/ with its attempts counted from zero, as an SQS
 * dead-letter redrive. Safe from another process while the queue runs: a message lands in ready/ by link() (whole,
 * never half-written; one of the same id already waiting is delivered once), and the queue picks it up at its next
 * look at the folder. A message that cannot be read stays in dead/.
 *
 * @returns the messages moved, as they were in dead/.
 */
export async function redriveDead<T>(dir: string): Promise<QueueMessage<T>[]> {
  const dead = path.join(dir, 'dead');
  const ready = path.join(dir, 'ready');
  const moved: QueueMessage<T>[] = [];
  for (const file of (await namesIn(dead)).filter(isMessage)) {
    const message = await readDeadMessage<T>(path.join(dead, file));
    if (!message) continue;
    await fs.mkdir(ready, { recursive: true });
    try {
      await writeNewMessage(dir, path.join(ready, file), { ...message, attempts: 0, notBefore: 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    await fs.rm(path.join(dead, file), { force: true });
    moved.push(message);
  }
  return moved;
}

/** Writes a message under a name that must not exist yet (EEXIST otherwise), never half-written. */
async function writeNewMessage(dir: string, file: string, message: QueueMessage<unknown>): Promise<void> {
  const temp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(temp, JSON.stringify(message));
  try {
    await fs.link(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function readDeadMessage<T>(file: string): Promise<QueueMessage<T> | undefined> {
  try {
    const message = JSON.parse(await fs.readFile(file, 'utf8')) as QueueMessage<T> | null;
    if (typeof message?.id === 'string' && typeof message.attempts === 'number') return message;
  } catch {
    // gone meanwhile, cut short or not JSON: left where it is
  }
  return undefined;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function isMessage(file: string): boolean {
  return file.endsWith('.json') && !file.startsWith('.');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * A queued message, or undefined when it is gone (taken meanwhile). One that cannot be read (cut short, not JSON,
 * not a message) is moved aside as `….unreadable` with an error line, never retried for ever nor silently dropped.
 */
async function readMessage<T>(
  file: string,
  log: Logger,
  queue: string,
): Promise<QueueMessage<T> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const message = JSON.parse(text) as QueueMessage<T> | null;
    if (typeof message?.id === 'string' && typeof message.attempts === 'number') return message;
  } catch {
    // not JSON: moved aside below
  }
  log.error({ queue, file: path.basename(file) }, 'unreadable queue message: moved aside');
  await fs.rename(file, `${file}.unreadable`).catch(() => undefined);
  return undefined;
}
