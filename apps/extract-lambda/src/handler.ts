import { handleS3Records, RetryableBatchError, type SkippedRecord } from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { extractObject, type ExtractDeps, type ExtractOutcome } from './extract';

export { RetryableBatchError };

export interface BatchSummary {
  readonly started: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly outcomes: readonly (ExtractOutcome | SkippedRecord)[];
}

/**
 * The Lambda handler: every upload of the batch is checked and started on its own (libs/events handleS3Records).
 * Duplicates across events are harmless (locks), so a retry of the whole event only redoes what failed.
 */
export function createExtractHandler(deps: Omit<ExtractDeps, 'log'> & { readonly logger: Logger }) {
  return async (event: unknown, context: LambdaContextLike): Promise<BatchSummary> => {
    const log = forLambdaInvocation(deps.logger, context);
    const outcomes = await handleS3Records(event, log, (object) => extractObject(object, { ...deps, log }));
    const count = (...statuses: string[]) => outcomes.filter((o) => statuses.includes(o.status)).length;
    const summary: BatchSummary = {
      started: count('started'),
      duplicates: count('duplicate', 'repeated'),
      rejected: count('rejected', 'unreadable'),
      outcomes,
    };
    log.info({ ...summary, outcomes: undefined }, 'batch done');
    return summary;
  };
}
