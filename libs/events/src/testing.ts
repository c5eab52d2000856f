/**
 * Real-shaped S3 event fixtures and document builders for tests of projects that consume this library
 * (`@gen3d/events/testing`). Test code only: runtime code imports `@gen3d/events`.
 */
import { encodeEventKey } from '@gen3d/s3-keys';
import type { z } from 'zod';
import {
  parseJobReport,
  type JobReport,
  type JobReportSchema,
  type MeshFile,
  type WorkerReport,
} from './documents';
import s3BatchMixed from './fixtures/s3-batch-mixed.json';
import s3PutInput from './fixtures/s3-put-input.json';
import s3PutOutput from './fixtures/s3-put-output.json';
import type { S3EventRecordSchema } from './s3-event';

/** An S3 event notification as S3 sends it (JSON), one record per created object. */
export interface S3EventNotification {
  Records: z.input<typeof S3EventRecordSchema>[];
}

// Typed here, not by the JSON imports: consumers of the packed library need no `resolveJsonModule`.
const fixtures: Readonly<Record<'s3PutInput' | 's3PutOutput' | 's3BatchMixed', S3EventNotification>> = {
  s3PutInput: s3PutInput as S3EventNotification,
  s3PutOutput: s3PutOutput as S3EventNotification,
  s3BatchMixed: s3BatchMixed as unknown as S3EventNotification,
};

/** A deep copy of a fixture, safe to modify in a test. */
export function fixture(name: keyof typeof fixtures): S3EventNotification {
  return structuredClone(fixtures[name]);
}

/** One object an S3 ObjectCreated record describes (the key decoded; the builder encodes it as S3 does). */
export interface CreatedObjectSpec {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string | undefined;
  readonly eTag?: string | undefined;
  readonly size?: number | undefined;
}

/**
 * An S3 event notification with one `ObjectCreated:Put` record per object, shaped exactly as S3 sends it (the
 * real fixture's fields, the key URL-encoded with `+` for spaces, no versionId when the object has none).
 *
 * @example await handler(s3CreatedEvent([{ bucket, key: 'users/u1/input/my chair.png', versionId }]), context)
 */
export function s3CreatedEvent(objects: readonly CreatedObjectSpec[]): S3EventNotification {
  const [template] = fixture('s3PutInput').Records;
  if (!template) throw new Error('the s3PutInput fixture has no record');
  return {
    Records: objects.map((object, i) => {
      const record = structuredClone(template);
      record.s3.bucket.name = object.bucket;
      record.s3.bucket.arn = `arn:aws:s3:::${object.bucket}`;
      record.s3.object.key = encodeEventKey(object.key);
      record.s3.object.size = object.size ?? 1;
      record.s3.object.eTag = (object.eTag ?? `etag-${i}-${object.key.length}`).replace(/"/g, '');
      record.s3.object.sequencer = (0x1000 + i).toString(16).toUpperCase();
      if (object.versionId === undefined) delete (record.s3.object as { versionId?: string }).versionId;
      else record.s3.object.versionId = object.versionId;
      return record;
    }),
  };
}

/**
 * A worker report that passes WorkerReportSchema: a small closed mesh inflated from a picture's alpha channel, as
 * the geometric backend reports it. `overrides` replaces whole fields (the mask, the image, the timings).
 *
 * @example workerReportOf({ mask: { source: 'segmentation', area: 100, hypothesis: 'saliency', score: 0.31 } })
 */
export function workerReportOf(overrides: Partial<WorkerReport> = {}): WorkerReport {
  return {
    backend: 'inflate',
    method: 'silhouette inflation (geometric, no learned model)',
    image: { width: 64, height: 64, mode: 'RGB' },
    mask: { source: 'alpha', area: 100 },
    mesh: { vertices: 8, faces: 12, watertight: true },
    timingsMs: {},
    ...overrides,
  };
}

type JobReportInput = z.input<typeof JobReportSchema>;

/** The fields of a job report a test names: which job, from which upload, to which mesh; the rest has defaults. */
export type JobReportSpec = Pick<JobReportInput, 'jobId' | 'input' | 'output'> &
  Partial<Omit<JobReportInput, 'version'>>;

/**
 * The `output` part of a job report that made the PLY `meshKey` (`bytes` long) and then the `others` files: the PLY
 * comes first in `files`, as the sidecar lists them.
 */
export function reportOutputOf(
  bucket: string,
  meshKey: string,
  others: readonly MeshFile[],
  bytes = 4,
): JobReportInput['output'] {
  return { bucket, meshKey, bytes, files: [{ format: 'ply', key: meshKey, bytes }, ...others] };
}

/**
 * A job report of user u1's finished job, parsed by JobReportSchema (so ids are branded, and a spec that breaks
 * the schema fails the test at once): `workerReportOf()` as its worker part unless `spec.worker` says otherwise.
 *
 * @example jobReportOf({ jobId, input: { bucket, key: 'users/u1/input/cup.png' }, output: { bucket, meshKey, bytes: 4 } })
 */
export function jobReportOf(spec: JobReportSpec): JobReport {
  return parseJobReport({
    version: 1,
    userId: 'u1',
    worker: workerReportOf(),
    timingsMs: { total: 120 },
    finishedAt: '2026-11-27T04:00:00Z',
    ...spec,
  });
}
