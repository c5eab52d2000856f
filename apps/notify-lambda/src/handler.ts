import { handleS3Records, RetryableBatchError, type SkippedRecord } from '@gen3d/events';
import { forLambdaInvocation, type LambdaContextLike, type Logger } from '@gen3d/logging';
import { notifyObject, type NotifyDeps, type NotifyOutcome } from './notify';

export { RetryableBatchError };

export interface NotifySummary {
  readonly sent: number;
  readonly duplicates: number;
  readonly ignored: number;
  readonly outcomes: readonly (NotifyOutcome | SkippedRecord)[];
}

/** The Lambda handler: each record on its own (libs/events handleS3Records); a retry sends only what is missing. */
export function createNotifyHandler(deps: Omit<NotifyDeps, 'log'> & { readonly logger: Logger }) {
  return async (event: unknown, context: LambdaContextLike): Promise<NotifySummary> => {
    const log = forLambdaInvocation(deps.logger, context);
    const outcomes = await handleS3Records(event, log, async (object) => {
      try {
        return await notifyObject(object, { ...deps, log });
      } catch (error) {
        if ((error as Error).name !== 'InvalidKeyError' && (error as Error).name !== 'DocumentParseError')
          throw error;
        log.warn({ reason: (error as Error).message }, 'record ignored');
        return { status: 'ignored', reason: (error as Error).message } as const;
      }
    });
    const count = (...statuses: string[]) => outcomes.filter((o) => statuses.includes(o.status)).length;
    const summary: NotifySummary = {
      sent: count('sent'),
      duplicates: count('duplicate', 'repeated'),
      ignored: count('ignored', 'unreadable'),
      outcomes,
    };
    log.info({ ...summary, outcomes: undefined }, 'batch done');
    return summary;
  };
}
