import {
  isS3TestEvent,
  objectIdentity,
  parseCreatedObject,
  parseS3EventEnvelope,
  RetryableBatchError,
  settleEach,
} from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { notifyObject, type NotifyDeps, type NotifyOutcome } from './notify';

export { RetryableBatchError };

export interface NotifySummary {
  readonly sent: number;
  readonly duplicates: number;
  readonly ignored: number;
  readonly outcomes: readonly NotifyOutcome[];
}

/** The Lambda handler: each record on its own; transient failures fail the event after the others ran. */
export function createNotifyHandler(deps: Omit<NotifyDeps, 'log'> & { readonly logger: Logger }) {
  return async (event: unknown, context: LambdaContextLike): Promise<NotifySummary> => {
    const log = forLambdaInvocation(deps.logger, context);
    if (isS3TestEvent(event)) {
      log.info('S3 test event: nothing to do');
      return { sent: 0, duplicates: 0, ignored: 0, outcomes: [] };
    }
    const records = parseS3EventEnvelope(event).Records;
    const seen = new Set<string>();
    const { outcomes, failures } = await settleEach(records, async (record): Promise<NotifyOutcome> => {
      try {
        const object = parseCreatedObject(record);
        if (seen.has(objectIdentity(object)))
          return { status: 'duplicate', jobId: 'same record twice in a batch' };
        seen.add(objectIdentity(object));
        return await notifyObject(object, { ...deps, log });
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'DocumentParseError' && name !== 'InvalidKeyError') throw error;
        log.warn({ reason: (error as Error).message }, 'record ignored');
        return { status: 'ignored', reason: (error as Error).message };
      }
    });
    const summary: NotifySummary = {
      sent: outcomes.filter((o) => o.status === 'sent').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
      ignored: outcomes.filter((o) => o.status === 'ignored').length,
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
