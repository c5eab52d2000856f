import { parseCreatedObject, parseS3EventEnvelope } from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { notifyObject, type NotifyDeps, type NotifyOutcome } from './notify';

export class RetryableBatchError extends Error {
  override readonly name = 'RetryableBatchError';
}

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
    const records = parseS3EventEnvelope(event).Records;
    const settled = await Promise.allSettled(
      records.map(async (record): Promise<NotifyOutcome> => {
        let object;
        try {
          object = parseCreatedObject(record);
          return await notifyObject(object, { ...deps, log });
        } catch (error) {
          const name = (error as Error).name;
          if (name === 'DocumentParseError' || name === 'InvalidKeyError') {
            log.warn({ reason: (error as Error).message }, 'record ignored');
            return { status: 'ignored', reason: (error as Error).message };
          }
          throw error;
        }
      }),
    );
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const summary: NotifySummary = {
      sent: outcomes.filter((o) => o.status === 'sent').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
      ignored: outcomes.filter((o) => o.status === 'ignored').length,
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
