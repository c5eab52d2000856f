import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@gen3d/logging';
import { decodeEventKey, matchNotificationRule, type NotificationTarget } from '@gen3d/s3-keys';
import type { DurableQueue } from './durable-queue';

/** What a notification target receives: an S3 event notification with one record, as S3 invokes a Lambda. */
export interface S3Notification {
  readonly Records: readonly [S3RecordLike];
}

interface S3RecordLike {
  readonly eventName: string;
  readonly s3: { readonly configurationId: string; readonly object: { readonly key: string } } & Record<
    string,
    unknown
  >;
  readonly [field: string]: unknown;
}

export interface EventRouterOptions {
  /** The journal the folder store writes (`<data>/.events`): one S3 record per created object, from any process. */
  readonly eventsDir: string;
  /** One durable queue per target of NOTIFICATION_RULES. */
  readonly queues: Readonly<Record<NotificationTarget, DurableQueue<S3Notification>>>;
  readonly log: Logger;
  readonly pollMs?: number;
}

/**
 * S3's event notifications for the folder store: each created object's record is matched against the ONE rules
 * definition the CDK app configures the bucket with (`matchNotificationRule` of @gen3d/s3-keys, on the decoded key),
 * and handed to its target's durable queue, named by the rule (`configurationId`). A journal entry is removed only
 * after its delivery is queued, under an id derived from the entry, so a crash in between queues it once.
 */
export class EventRouter {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private routing: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: EventRouterOptions) {}

  async start(): Promise<void> {
    await fs.mkdir(this.options.eventsDir, { recursive: true });
    // fs.watch wakes the router at once when the sidecar (another process) writes; the poll is the safety net.
    this.watcher = watch(this.options.eventsDir, () => this.kick());
    this.watcher.on('error', (error) =>
      this.options.log.warn({ err: error }, 'event journal watch failed; polling'),
    );
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    clearTimeout(this.timer);
    await this.routing;
  }

  /** Routes what is in the journal now, and waits (at most `timeoutMs`) until nothing is left in it. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.kick();
      await this.routing;
      const left = (await fs.readdir(this.options.eventsDir)).filter(
        (f) => f.endsWith('.json') && !f.startsWith('.'),
      );
      if (left.length === 0 || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Routes whatever is in the journal now (also called by the local stack after its own writes). */
  kick(): void {
    if (this.stopped) return;
    if (this.routing) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.routing = this.route()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'event routing failed; retrying'))
      .finally(() => {
        this.routing = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.timer = setTimeout(() => this.kick(), this.options.pollMs ?? 500);
      });
  }

  private async route(): Promise<void> {
    const files = (await fs.readdir(this.options.eventsDir)).filter(
      (f) => f.endsWith('.json') && !f.startsWith('.'),
    );
    // Names start with S3's sequencer: in order of creation.
    for (const file of files.sort()) {
      if (this.stopped) return;
      const entry = path.join(this.options.eventsDir, file);
      let record: S3RecordLike;
      try {
        record = JSON.parse(await fs.readFile(entry, 'utf8')) as S3RecordLike;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.options.log.error({ file, err: error }, 'unreadable event journal entry: moved aside');
        await fs.rename(entry, `${entry}.unreadable`);
        continue;
      }
      let key: string | undefined;
      try {
        key = decodeEventKey(record.s3.object.key);
      } catch {
        key = undefined; // S3 still delivers an undecodable key; the handler rejects it
      }
      const rule = matchNotificationRule(key ?? record.s3.object.key);
      if (rule) {
        const notification: S3Notification = {
          Records: [{ ...record, s3: { ...record.s3, configurationId: rule.id } }],
        };
        const id = `${file.slice(0, -5)}`;
        await this.options.queues[rule.target].enqueue(id, notification);
        this.options.log.debug({ key, rule: rule.id, target: rule.target }, 'event queued');
      }
      await fs.rm(entry, { force: true });
    }
  }
}
