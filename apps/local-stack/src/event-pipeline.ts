import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  EXTRACT_TALLY,
  extractObject,
  NOTIFY_TALLY,
  notifyObject,
  type DownloadLinks,
  type ExtractConfig,
  type Mailer,
  type NotifyConfig,
} from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import type { BucketStore } from '@gen3d/object-store';
import { createS3BatchHandler, type LambdaContextLike } from '@gen3d/runtime';
import type { LocalAsyncEndpoint } from './async-inference';
import { DurableQueue } from './durable-queue';
import { EventRouter, type S3Notification } from './event-router';

/** The seed's function timeouts: the deadline a handler core sees, as in Lambda. */
const EXTRACT_TIMEOUT_MS = 30_000;
const NOTIFY_TIMEOUT_MS = 15_000;

export interface EventPipeline {
  readonly queues: {
    readonly extract: DurableQueue<S3Notification>;
    readonly notify: DurableQueue<S3Notification>;
  };
  readonly router: EventRouter;
}

/**
 * What S3 and Lambda do in AWS: the store's events routed by the bucket's notification rules to the SAME handler
 * cores the Lambdas run (@gen3d/jobs), each behind a durable queue that retries with backoff like Lambda's
 * asynchronous invocation. What was given up (dead/) is sent again on the next start, the operator's redrive: the
 * cores are idempotent (locks).
 */
export function createEventPipeline(parts: {
  readonly data: BucketStore;
  readonly eventsDir: string;
  readonly queuesDir: string;
  readonly extractConfig: ExtractConfig;
  readonly notifyConfig: NotifyConfig;
  readonly endpoint: LocalAsyncEndpoint;
  readonly mailer: Mailer;
  /** The emails' download links (through the mounted API); absent, the emails carry the store's signed links. */
  readonly links?: DownloadLinks;
  readonly log: Logger;
}): EventPipeline {
  const { data, log } = parts;
  const clock = () => new Date();
  const extract = createS3BatchHandler({
    logger: log.child({ function: 'extract-lambda' }),
    tally: EXTRACT_TALLY,
    handle: (object, invocation) =>
      extractObject(
        object,
        {
          config: parts.extractConfig,
          data,
          invoker: { invokeAsync: (request) => parts.endpoint.invokeEndpointAsync(request) },
          clock,
        },
        invocation,
      ),
  });
  const notify = createS3BatchHandler({
    logger: log.child({ function: 'notify-lambda' }),
    tally: NOTIFY_TALLY,
    handle: (object, invocation) =>
      notifyObject(
        object,
        {
          config: parts.notifyConfig,
          data,
          mailer: parts.mailer,
          clock,
          ...(parts.links ? { links: parts.links } : {}),
        },
        invocation,
      ),
  });
  const queue = (name: 'extract' | 'notify', run: (event: S3Notification) => Promise<unknown>) =>
    new DurableQueue<S3Notification>({
      dir: path.join(parts.queuesDir, name),
      name,
      concurrency: 4,
      maxAttempts: 8,
      backoff: { initialMs: 250, maxMs: 30_000 },
      handle: async (event) => void (await run(event)),
      log: log.child({ component: `${name}-queue` }),
      pollMs: 250,
      redriveDeadOnStart: true,
    });
  const queues = {
    extract: queue('extract', (event) =>
      extract(event, lambdaContext('Gen3DExtractLambda', EXTRACT_TIMEOUT_MS)),
    ),
    notify: queue('notify', (event) => notify(event, lambdaContext('Gen3DNotifyLambda', NOTIFY_TIMEOUT_MS))),
  };
  const router = new EventRouter({
    eventsDir: parts.eventsDir,
    queues,
    log: log.child({ component: 'events' }),
  });
  return { queues, router };
}

/** A Lambda-like context: a request id, the function's name and its deadline. */
function lambdaContext(functionName: string, timeoutMs: number): LambdaContextLike {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: randomUUID(),
    functionName,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}
