import { parseCreatedObject, parseS3EventEnvelope } from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { extractObject, type ExtractDeps, type ExtractOutcome } from './extract';

export interface BatchSummary {
  readonly started: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly outcomes: readonly (ExtractOutcome | { readonly status: 'unreadable'; readonly reason: string })[];
}

/** Thrown after the whole batch ran when some record failed transiently: Lambda retries the event. */
export class RetryableBatchError extends Error {
  override readonly name = 'RetryableBatchError';
}

/**
 * The Lambda handler: every record of the batch is handled on its own; a bad record never hides the good ones.
 * Duplicates are harmless (locks), so a retry of the whole event only redoes what failed.
 */
export function createExtractHandler(deps: Omit<ExtractDeps, 'log'> & { readonly logger: Logger }) {
  return async (event: unknown, context: LambdaContextLike): Promise<BatchSummary> => {
    const log = forLambdaInvocation(deps.logger, context);
    const records = parseS3EventEnvelope(event).Records;
    const settled = await Promise.allSettled(
      records.map(async (record) => {
        let object;
        try {
          object = parseCreatedObject(record);
        } catch (error) {
          log.error({ reason: (error as Error).message }, 'unreadable record skipped');
          return { status: 'unreadable' as const, reason: (error as Error).message };
        }
        return extractObject(object, { ...deps, log });
      }),
    );
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const summary: BatchSummary = {
      started: outcomes.filter((o) => o.status === 'started').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
      rejected: outcomes.filter((o) => o.status === 'rejected' || o.status === 'unreadable').length,
      outcomes,
    };
    log.info({ ...summary, outcomes: undefined, failed: failures.length }, 'batch done');
    if (failures.length > 0) {
      for (const error of failures) log.error({ err: error }, 'record failed; the event will be retried');
      throw new RetryableBatchError(
        `${failures.length} of ${records.length} records failed: ${failures[0]?.message}`,
      );
    }
    return summary;
  };
}
