import { parseJobId, parseUserId, type JobId, type UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import { JobErrorSchema, JobErrorTypeSchema } from './job-errors';
import { jsonParserFor, parserFor } from './parse';

const userId = z.string().transform((value, ctx): UserId => {
  try {
    return parseUserId(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const jobId = z.string().transform((value, ctx): JobId => {
  try {
    return parseJobId(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name');
const objectRef = z.object({
  bucket,
  key: z.string().min(1).max(1024),
  versionId: z.string().min(1).optional(),
  eTag: z.string().min(1).optional(),
});
const isoTime = z.iso.datetime({ offset: true });

export const BACKENDS = ['inflate', 'sam3d'] as const;
export const BackendSchema = z.enum(BACKENDS);
export type Backend = z.output<typeof BackendSchema>;

export const QUALITIES = ['fast', 'standard', 'high'] as const;
export const QualitySchema = z.enum(QUALITIES);
export type Quality = z.output<typeof QualitySchema>;

/** What the user may choose per job. Points are in pixels of the uploaded image, origin top-left. */
export const JobOptionsSchema = z.strictObject({
  backend: BackendSchema.default('inflate'),
  quality: QualitySchema.default('standard'),
  point: z.strictObject({ x: z.number().int().nonnegative(), y: z.number().int().nonnegative() }).optional(),
  /** Key of a user-drawn mask (PNG, white = object), under the same user's masks/ area. */
  maskKey: z.string().min(1).max(1024).optional(),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31 - 1)
    .optional(),
});
export type JobOptions = z.output<typeof JobOptionsSchema>;

/**
 * Options a user gives at upload, as S3 user metadata (`x-amz-meta-*`, all strings).
 * `email` is where the result goes; it is never logged.
 */
export const UploadMetadataSchema = z
  .object({
    email: z.email().max(254).optional(),
    backend: BackendSchema.optional(),
    quality: QualitySchema.optional(),
    /** Key of a user-drawn mask, `users/{userId}/masks/{name}.png` of the same user (checked by extract). */
    mask: z.string().min(1).max(1024).optional(),
    point: z
      .string()
      .regex(/^\d{1,5},\d{1,5}$/, 'expected "x,y" in pixels')
      .transform((s) => {
        const [x, y] = s.split(',').map(Number) as [number, number];
        return { x, y };
      })
      .optional(),
  })
  .loose();
export type UploadMetadata = z.output<typeof UploadMetadataSchema>;

/**
 * Written by the extract lambda under users/{userId}/jobs/{jobId}/request.json and sent to the SageMaker
 * async endpoint as its InputLocation. The container derives every output key from `input.key`.
 */
export const InferenceRequestSchema = z.strictObject({
  version: z.literal(1),
  jobId,
  userId,
  input: objectRef,
  options: JobOptionsSchema,
  requestedAt: isoTime,
  /**
   * The `InvocationTimeoutSeconds` extract gave SageMaker for this request: the container stops the job before it
   * (so that its own failure document, not SageMaker's bare timeout, tells the user).
   */
  invocationTimeoutSeconds: z.number().int().positive().max(3600).optional(),
});
export type InferenceRequest = z.output<typeof InferenceRequestSchema>;
export type InferenceRequestInput = z.input<typeof InferenceRequestSchema>;

export const TimingsSchema = z.record(z.string(), z.number().nonnegative());

export const MeshStatsSchema = z.object({
  vertices: z.number().int().nonnegative(),
  faces: z.number().int().nonnegative(),
  watertight: z.boolean(),
  bytes: z.number().int().nonnegative().optional(),
});

/** What the worker reports about one reconstruction (the Python worker writes this shape). */
export const WorkerReportSchema = z.object({
  backend: BackendSchema,
  /** Honest, human-readable name of the method, shown in emails and the UI. */
  method: z.string(),
  fallbackFrom: BackendSchema.optional(),
  image: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    mode: z.string(),
  }),
  mask: z.object({
    source: z.enum(['alpha', 'segmentation', 'user-mask']),
    area: z.number().int().nonnegative(),
  }),
  mesh: MeshStatsSchema,
  timingsMs: TimingsSchema,
  /** Which worker process did the job and when (epoch ms): for tracing, and for tests of the concurrency limit. */
  host: z.object({ pid: z.number().int(), startedAtMs: z.number(), finishedAtMs: z.number() }).optional(),
});
export type WorkerReport = z.output<typeof WorkerReportSchema>;

/** The job report stored next to the mesh, users/{userId}/output/{name}.report.json. */
export const JobReportSchema = z.object({
  version: z.literal(1),
  jobId,
  userId,
  input: objectRef,
  output: z.object({ bucket, meshKey: z.string(), bytes: z.number().int().nonnegative() }),
  worker: WorkerReportSchema,
  timingsMs: TimingsSchema,
  finishedAt: isoTime,
});
export type JobReport = z.output<typeof JobReportSchema>;

/** The container's answer to SageMaker for a finished job (stored under sagemaker-output/). */
export const InferenceResultSchema = z.object({
  version: z.literal(1),
  jobId,
  status: z.literal('succeeded'),
  meshKey: z.string(),
  reportKey: z.string(),
  /** Every stage, the upload included (the stored report is written before the mesh, so it cannot hold it). */
  timingsMs: TimingsSchema.optional(),
});
export type InferenceResult = z.output<typeof InferenceResultSchema>;

export const FAILURE_STAGES = [
  'validation',
  'queue',
  'inference',
  'download',
  'reconstruction',
  'upload',
  'notification',
] as const;

/**
 * Written when a job fails, at users/{userId}/output/{name}.failure.json (and returned to SageMaker as the error
 * body, which lands under sagemaker-output/failures/). The notify lambda turns it into emails.
 */
export const FailureDocumentSchema = z.object({
  version: z.literal(1),
  jobId: jobId.optional(),
  /** Absent only for an upload whose key is unusable (its document lives under rejected/). */
  userId: userId.optional(),
  input: objectRef,
  stage: z.enum(FAILURE_STAGES),
  error: JobErrorSchema,
  retryable: z.boolean(),
  failedAt: isoTime,
});
export type FailureDocument = z.output<typeof FailureDocumentSchema>;

/** A job's life: queued (extract) → reconstructing (sidecar) → done (sidecar) or failed (whoever saw it fail). */
export const JOB_STATES = ['queued', 'reconstructing', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What the web UI polls: users/{userId}/jobs/{jobId}/status.json. Times are when each state began. */
export const JobStatusSchema = z.object({
  version: z.literal(2),
  jobId,
  userId,
  /** The picture's name, as the user gave it. */
  name: z.string(),
  state: z.enum(JOB_STATES),
  queuedAt: isoTime,
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
  updatedAt: isoTime,
  meshKey: z.string().optional(),
  mesh: MeshStatsSchema.optional(),
  /** Why it failed: the error code (JOB_ERRORS) and the reason in plain words, as the user's email says it. */
  error: z.object({ code: JobErrorTypeSchema, reason: z.string() }).optional(),
});
export type JobStatus = z.output<typeof JobStatusSchema>;

export const parseJobOptions = parserFor('job options', JobOptionsSchema);
export const parseUploadMetadata = parserFor('upload metadata', UploadMetadataSchema);
export const parseInferenceRequest = parserFor('inference request', InferenceRequestSchema);
export const parseInferenceRequestJson = jsonParserFor('inference request', InferenceRequestSchema);
export const parseWorkerReport = parserFor('worker report', WorkerReportSchema);
export const parseJobReport = parserFor('job report', JobReportSchema);
export const parseJobReportJson = jsonParserFor('job report', JobReportSchema);
export const parseInferenceResult = parserFor('inference result', InferenceResultSchema);
export const parseFailureDocument = parserFor('failure document', FailureDocumentSchema);
export const parseFailureDocumentJson = jsonParserFor('failure document', FailureDocumentSchema);
export const parseJobStatus = parserFor('job status', JobStatusSchema);
export const parseJobStatusJson = jsonParserFor('job status', JobStatusSchema);
