import { parseCreatedObject, parseS3EventEnvelope } from '@gen3d/events';
import { parseDataBucketKey, type FailureKey, type OutputKey } from '@gen3d/s3-keys';

export type NotifyOutcome =
  | { readonly ok: true; readonly target: OutputKey | FailureKey }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/** The records that should produce an email: a finished mesh or a failure document under users/{userId}/output/. */
export function notifiableRecordsOf(event: unknown): NotifyOutcome[] {
  return parseS3EventEnvelope(event).Records.map((record, index): NotifyOutcome => {
    try {
      const target = parseDataBucketKey(parseCreatedObject(record).key);
      if (target.kind !== 'output' && target.kind !== 'failure') {
        return { ok: false, index, reason: `a ${target.kind} key does not trigger an email` };
      }
      return { ok: true, target };
    } catch (error) {
      return { ok: false, index, reason: (error as Error).message };
    }
  });
}
