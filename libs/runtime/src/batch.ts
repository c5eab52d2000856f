import {
  DocumentParseError,
  parseCreatedObject,
  parseS3EventEnvelope,
  type CreatedObject,
} from '@gen3d/events';
import { InvalidKeyError } from '@gen3d/s3-keys';
import { RetryableBatchError } from './errors';

/** The two log calls a batch needs (a pino logger fits). */
export interface BatchLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What became of one record that never reached the handler's own logic. */
export type SkippedRecord =
  | { readonly status: 'unreadable'; readonly reason: string }
  | { readonly status: 'repeated'; readonly key: string };

/**
 * Runs `handle` on every ObjectCreated record of an S3 event notification, concurrently and each on its own:
 * malformed records are skipped (never retried), the same object version twice in one batch is handled once, S3's
 * test event is nothing to do. If any record failed transiently, throws RetryableBatchError after all ran.
 */
export async function handleS3Records<T>(
  event: unknown,
  log: BatchLog,
  handle: (object: CreatedObject) => Promise<T>,
): Promise<(T | SkippedRecord)[]> {
  if (isS3TestEvent(event)) {
    log.info({}, 'S3 test event: nothing to do');
    return [];
  }
  const records = parseS3EventEnvelope(event).Records;
  const seen = new Set<string>();
  const settled = await Promise.allSettled(
    records.map(async (record): Promise<T | SkippedRecord> => {
      let object: CreatedObject;
      try {
        object = parseCreatedObject(record);
      } catch (error) {
        if (!(error instanceof DocumentParseError || error instanceof InvalidKeyError)) throw error;
        log.error({ reason: error.message }, 'unreadable record skipped');
        return { status: 'unreadable', reason: error.message };
      }
      if (seen.has(objectIdentity(object))) return { status: 'repeated', key: object.key };
      seen.add(objectIdentity(object));
      return handle(object);
    }),
  );
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [asError(s.reason)] : []));
  if (failures.length > 0) {
    for (const error of failures) log.error({ err: error }, 'record failed; the event will be retried');
    throw new RetryableBatchError(failures, records.length);
  }
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** S3 sends `{ "Event": "s3:TestEvent", ... }` (no Records) when a notification is first configured. */
function isS3TestEvent(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { Event?: unknown }).Event === 's3:TestEvent'
  );
}

/** One object version: two records with the same identity in a batch are the same upload delivered twice. */
function objectIdentity(object: CreatedObject): string {
  return [object.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join('\n');
}
