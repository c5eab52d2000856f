import {
  isS3TestEvent,
  objectIdentity,
  parseCreatedObject,
  parseS3EventEnvelope,
  RetryableBatchError,
  settleEach,
  type CreatedObject,
} from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { extractObject, type ExtractDeps, type ExtractOutcome } from './extract';

export { RetryableBatchError };

type RecordOutcome =
  | ExtractOutcome
  | { readonly status: 'unreadable'; readonly reason: string }
  | { readonly status: 'repeated'; readonly key: string };

export interface BatchSummary {
  readonly started: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly outcomes: readonly RecordOutcome[];
}

/**
 * The Lambda handler: every record of the batch is handled on its own; a bad record never hides the good ones.
 * The same object twice in one batch is handled once. Duplicates across events are harmless (locks), so a retry of
 * the whole event only redoes what failed.
 */
export function createExtractHandler(deps: Omit<ExtractDeps, 'log'> & { readonly logger: Logger }) {
  return async (event: unknown, context: LambdaContextLike): Promise<BatchSummary> => {
    const log = forLambdaInvocation(deps.logger, context);
    if (isS3TestEvent(event)) {
      log.info('S3 test event: nothing to do');
      return { started: 0, duplicates: 0, rejected: 0, outcomes: [] };
    }
    const records = parseS3EventEnvelope(event).Records;
    const seen = new Set<string>();
    const { outcomes, failures } = await settleEach(records, async (record): Promise<RecordOutcome> => {
      let object: CreatedObject;
      try {
        object = parseCreatedObject(record);
      } catch (error) {
        log.error({ reason: (error as Error).message }, 'unreadable record skipped');
        return { status: 'unreadable', reason: (error as Error).message };
      }
      const identity = objectIdentity(object);
      if (seen.has(identity)) return { status: 'repeated', key: object.key };
      seen.add(identity);
      return extractObject(object, { ...deps, log });
    });
    const count = (...statuses: RecordOutcome['status'][]) =>
      outcomes.filter((o) => statuses.includes(o.status)).length;
    const summary: BatchSummary = {
      started: count('started'),
      duplicates: count('duplicate', 'repeated'),
      rejected: count('rejected', 'unreadable'),
      outcomes,
    };
    log.info({ ...summary, outcomes: undefined, failed: failures.length }, 'batch done');
    if (failures.length > 0) {
      for (const error of failures) log.error({ err: error }, 'record failed; the event will be retried');
      throw new RetryableBatchError(failures, records.length);
    }
    return summary;
  };
}
