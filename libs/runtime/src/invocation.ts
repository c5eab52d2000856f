import type { CreatedObject } from '@gen3d/events';
import type { Logger } from '@gen3d/logging';
import { handleS3Records, type SkippedRecord } from './batch';

/** The part of the Lambda context object the handlers use. */
export interface LambdaContextLike {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion?: string;
  /** Milliseconds until Lambda stops this invocation: the deadline locks expire from. */
  getRemainingTimeInMillis(): number;
}

/** What a handler core gets of the invocation running it: its logger and the time it has left. */
export interface Invocation {
  readonly log: Logger;
  /** Milliseconds left before the invocation is cut off (Lambda: `context.getRemainingTimeInMillis()`). */
  remainingTimeMs(): number;
}

let coldStart = true;

/** A child logger with the Lambda request id, function name and whether this is the cold start. */
export function forLambdaInvocation(logger: Logger, context: LambdaContextLike): Logger {
  const child = logger.child({
    requestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    coldStart,
  });
  coldStart = false;
  return child;
}

/** How a batch is summed up: summary field → the outcome statuses it counts. */
export type Tally<F extends string> = Readonly<Record<F, readonly string[]>>;

export type BatchSummary<T, F extends string> = Readonly<Record<F, number>> & {
  readonly outcomes: readonly (T | SkippedRecord)[];
};

/**
 * A Lambda handler for S3 event notifications around a handler core: per-invocation logging, every record on its
 * own (see {@link handleS3Records}), the core given the invocation's logger and remaining time, and one summary line.
 *
 * @example export const lambda_handler = createS3BatchHandler({ logger, tally, handle: (object, invocation) =>
 *            extractObject(object, { ...ports, invocation }) });
 */
export function createS3BatchHandler<T extends { readonly status: string }, F extends string>(options: {
  readonly logger: Logger;
  readonly tally: Tally<F>;
  readonly handle: (object: CreatedObject, invocation: Invocation) => Promise<T>;
}): (event: unknown, context: LambdaContextLike) => Promise<BatchSummary<T, F>> {
  return async (event, context) => {
    const log = forLambdaInvocation(options.logger, context);
    const invocation: Invocation = { log, remainingTimeMs: () => context.getRemainingTimeInMillis() };
    const outcomes = await handleS3Records(event, log, (object) => options.handle(object, invocation));
    const counts = Object.fromEntries(
      (Object.entries(options.tally) as [F, readonly string[]][]).map(([field, statuses]) => [
        field,
        outcomes.filter((o) => statuses.includes(o.status)).length,
      ]),
    ) as Record<F, number>;
    log.info({ ...(counts as Record<string, number>) }, 'batch done');
    return { ...counts, outcomes };
  };
}
