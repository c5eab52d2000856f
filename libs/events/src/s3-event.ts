import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { decodeEventKey } from '@gen3d/s3-keys';
import { z } from 'zod';
import { DocumentParseError } from './errors';
import { parserFor } from './parse';

/** One record of an S3 event notification, exactly as S3 sends it (Powertools' schema). */
export const S3EventRecordSchema = S3Schema.shape.Records.element;
export type S3EventRecord = z.output<typeof S3EventRecordSchema>;

/** The envelope only: each record is parsed on its own so that one bad record does not sink a batch. */
export const S3EventEnvelopeSchema = z.object({ Records: z.array(z.unknown()).min(1) });

/** What the pipeline needs from an `ObjectCreated:*` record, with the key already URL-decoded. */
export interface CreatedObject {
  readonly bucket: string;
  /** The decoded key (S3 events carry keys URL-encoded with `+` for spaces). */
  readonly key: string;
  readonly size: number | undefined;
  readonly eTag: string | undefined;
  readonly versionId: string | undefined;
  readonly sequencer: string | undefined;
  readonly eventName: string;
  readonly eventTime: string;
}

export const parseS3EventEnvelope = parserFor('S3 event notification', S3EventEnvelopeSchema);
export const parseS3EventRecord = parserFor('S3 event record', S3EventRecordSchema);

/**
 * Parses one record and keeps only object-created events.
 *
 * @throws DocumentParseError when the record is malformed or is not an `ObjectCreated:*` event.
 * @throws InvalidKeyError (from @gen3d/s3-keys) when the key is not valid URL encoding.
 */
export function parseCreatedObject(record: unknown): CreatedObject {
  const parsed = parseS3EventRecord(record);
  if (!parsed.eventName.startsWith('ObjectCreated:')) {
    throw new DocumentParseError('S3 event record', [
      {
        code: 'custom',
        path: ['eventName'],
        message: `not an ObjectCreated event: ${parsed.eventName}`,
        input: record,
      },
    ]);
  }
  const { object, bucket } = parsed.s3;
  return {
    bucket: bucket.name,
    key: decodeEventKey(object.key),
    size: object.size,
    eTag: object.eTag,
    versionId: object.versionId,
    sequencer: object.sequencer,
    eventName: parsed.eventName,
    eventTime: parsed.eventTime,
  };
}
