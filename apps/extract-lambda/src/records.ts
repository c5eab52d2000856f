import { parseCreatedObject, parseS3EventEnvelope, type CreatedObject } from '@gen3d/events';
import { parseInputKey, type InputKey } from '@gen3d/s3-keys';

export type RecordOutcome =
  | { readonly ok: true; readonly object: CreatedObject; readonly input: InputKey }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/**
 * Splits an S3 event into its records, each parsed on its own: a record is usable only when it is an
 * ObjectCreated event for a key under users/{userId}/input/{name}.png.
 */
export function inputRecordsOf(event: unknown): RecordOutcome[] {
  return parseS3EventEnvelope(event).Records.map((record, index): RecordOutcome => {
    try {
      const object = parseCreatedObject(record);
      return { ok: true, object, input: parseInputKey(object.key) };
    } catch (error) {
      return { ok: false, index, reason: (error as Error).message };
    }
  });
}
