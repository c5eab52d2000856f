import {
  MESH_FORMATS,
  parseJobId,
  parseUserId,
  type JobId,
  type MeshFormat,
  type UserId,
} from '@gen3d/s3-keys';
import { z } from 'zod';
import { JobErrorSchema, JobErrorTypeSchema } from './job-errors';
import { jsonParserFor, parserFor } from './parse';

/** A string an @gen3d/s3-keys parser accepts, as the type it brands; the parser's refusal is the issue's message. */
function parsedBy<T>(parse: (value: string) => T) {
  return z.string().transform((value, ctx): T => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}
const userId = parsedBy<UserId>(parseUserId);
const jobId = parsedBy<JobId>(parseJobId);
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

export const MeshFormatSchema = z.enum(MESH_FORMATS);

/**
 * The shape hypothesis of the geometric backend (decision 0027): `auto` lets the worker choose from the picture;
 * `inflate` (rounded, organic), `revolve` (turned: vases, bottles), `slab` (flat: coins, cards).
 */
export const SHAPES = ['auto', 'inflate', 'revolve', 'slab'] as const;
export const ShapeSchema = z.enum(SHAPES);
export type Shape = z.output<typeof ShapeSchema>;

/** A position in pixels of the uploaded image, origin top-left. */
const pixel = z.number().int().nonnegative().max(99_999);
export const PointSchema = z.strictObject({ x: pixel, y: pixel });
/** A SAM-style point prompt: `label` 1 = on the object, 0 = background. */
export const LabelledPointSchema = z.strictObject({
  x: pixel,
  y: pixel,
  label: z.union([z.literal(0), z.literal(1)]),
});
export const MAX_POINTS = 64;
export const PointsSchema = z.array(LabelledPointSchema).max(MAX_POINTS, `at most ${MAX_POINTS} points`);
/** A SAM-style box prompt: the object is inside; `x1` and `y1` are exclusive. */
export const BoxSchema = z
  .strictObject({ x0: pixel, y0: pixel, x1: pixel, y1: pixel })
  .refine((b) => b.x1 > b.x0 && b.y1 > b.y0, 'the box must have x1 > x0 and y1 > y0');
export const MIN_TARGET_FACES = 100;
export const MAX_TARGET_FACES = 5_000_000;
export const TargetFacesSchema = z.number().int().min(MIN_TARGET_FACES).max(MAX_TARGET_FACES);
/**
 * The mesh files a job makes. The PLY is always made (its creation is what sends the email), so it is put first
 * when the list does not name it; a format named twice is refused.
 */
export const FormatsSchema = z
  .array(MeshFormatSchema)
  .min(1)
  .max(MESH_FORMATS.length)
  .refine((formats) => new Set(formats).size === formats.length, 'a format is named twice')
  .meta({ uniqueItems: true }) // the refinement, said in the JSON Schema
  .transform((formats) => (formats.includes('ply') ? formats : ['ply' as const, ...formats]));

/** What the user may choose per job. Points and boxes are in pixels of the uploaded image, origin top-left. */
export const JobOptionsSchema = z.strictObject({
  backend: BackendSchema.default('inflate'),
  quality: QualitySchema.default('standard'),
  point: PointSchema.optional(),
  /** SAM-style point prompts (worker option `points`). */
  points: PointsSchema.optional(),
  /** SAM-style box prompt (worker option `box`). */
  box: BoxSchema.optional(),
  /** Key of a user-drawn mask (PNG, white = object), under the same user's masks/ area. */
  maskKey: z.string().min(1).max(1024).optional(),
  /** The mesh files to make, the PLY always among them (worker option `formats`); absent: the PLY only. */
  formats: FormatsSchema.optional(),
  /** Quadric decimation to about this many faces (worker option `targetFaces`). */
  targetFaces: TargetFacesSchema.optional(),
  /** The shape hypothesis (worker option `shape`); absent: auto. */
  shape: ShapeSchema.optional(),
  seed: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31 - 1)
    .optional(),
});
export type JobOptions = z.output<typeof JobOptionsSchema>;

export const WORKER_TASKS = ['reconstruct', 'mask'] as const;
export const PLY_FORMATS = ['binary', 'ascii'] as const;

/**
 * The options the Python worker reads (the `options` field of its request, PROTOCOL.md): the job options without
 * `maskKey` (the sidecar sends the mask itself), and `task` and `plyFormat`, which only the worker's own callers (the
 * mask preview, its CLI) set. The worker's `JobOptions.from_dict` is checked against this schema's JSON Schema
 * (`schemas/worker-options.schema.json`).
 */
export const WorkerOptionsSchema = JobOptionsSchema.omit({ maskKey: true }).extend({
  task: z.enum(WORKER_TASKS).default('reconstruct'),
  plyFormat: z.enum(PLY_FORMATS).default('binary'),
});
export type WorkerOptions = z.output<typeof WorkerOptionsSchema>;

/** A metadata string of the given shape, then the typed value checked by `schema` (one issue per problem). */
function metadataField<S extends z.ZodType>(
  pattern: RegExp,
  expected: string,
  parse: (s: string) => unknown,
  schema: S,
) {
  return z.string().trim().regex(pattern, expected).transform(parse).pipe(schema);
}
const n = '\\d{1,5}';

/**
 * Options a user gives at upload, as S3 user metadata (`x-amz-meta-*`, all strings; the shapes are in the README).
 * `email` is where the result goes; it is never logged. A malformed value is an error, never a silent default.
 */
export const UploadMetadataSchema = z
  .object({
    email: z.email().max(254).optional(),
    backend: BackendSchema.optional(),
    quality: QualitySchema.optional(),
    /** Key of a user-drawn mask, `users/{userId}/masks/{name}.png` of the same user (checked by extract). */
    mask: z.string().min(1).max(1024).optional(),
    /** `x,y`: one point on the object. */
    point: metadataField(
      new RegExp(`^${n},${n}$`),
      'expected "x,y" in pixels',
      (s) => {
        const [x, y] = s.split(',').map(Number) as [number, number];
        return { x, y };
      },
      PointSchema,
    ).optional(),
    /** `x,y,label;x,y,label…`: SAM-style points, label 1 = on the object, 0 = background; at most 64. */
    points: metadataField(
      new RegExp(`^${n},${n},[01](;${n},${n},[01])*$`),
      'expected "x,y,label;x,y,label..." in pixels, label 1 (object) or 0 (background)',
      (s) =>
        s.split(';').map((point) => {
          const [x, y, label] = point.split(',').map(Number) as [number, number, number];
          return { x, y, label };
        }),
      PointsSchema,
    ).optional(),
    /** `x0,y0,x1,y1`: the box the object is in (x1, y1 exclusive). */
    box: metadataField(
      new RegExp(`^${n},${n},${n},${n}$`),
      'expected "x0,y0,x1,y1" in pixels',
      (s) => {
        const [x0, y0, x1, y1] = s.split(',').map(Number) as [number, number, number, number];
        return { x0, y0, x1, y1 };
      },
      BoxSchema,
    ).optional(),
    /** `ply,glb,stl,3mf,obj` (any of them, comma-separated): the files to make; the PLY always is. */
    formats: metadataField(
      /^[a-z0-9]+( *, *[a-z0-9]+)*$/i,
      `expected formats separated by commas, among ${MESH_FORMATS.join(', ')}`,
      (s) => s.split(',').map((f) => f.trim().toLowerCase()),
      FormatsSchema,
    ).optional(),
    /** A whole number of faces, 100 to 5 000 000: the mesh is decimated to about that many. */
    'target-faces': metadataField(
      /^\d{1,8}$/,
      'expected a whole number of faces',
      Number,
      TargetFacesSchema,
    ).optional(),
    /** `auto`, `inflate`, `revolve` or `slab`: the shape hypothesis. */
    shape: ShapeSchema.optional(),
  })
  .loose();
export type UploadMetadata = z.output<typeof UploadMetadataSchema>;

/** The job options an uploader may set through metadata (the typed side of {@link uploadMetadataFor}). */
export interface UploadOptions {
  readonly backend?: Backend | undefined;
  readonly quality?: Quality | undefined;
  readonly point?: z.input<typeof PointSchema> | undefined;
  readonly points?: readonly z.input<typeof LabelledPointSchema>[] | undefined;
  readonly box?: z.input<typeof BoxSchema> | undefined;
  readonly formats?: readonly MeshFormat[] | undefined;
  readonly targetFaces?: number | undefined;
  readonly shape?: Shape | undefined;
}

/**
 * The `x-amz-meta-*` strings for these options (without the prefix), as {@link UploadMetadataSchema} reads them:
 * what the CLI, the local stack's operator route and the web API put on an upload. The options are checked first,
 * so a bad value fails here, where the user is, not later in an email.
 *
 * @example uploadMetadataFor({ formats: ['glb'], box: { x0: 1, y0: 2, x1: 30, y1: 40 } })
 *          // { formats: 'ply,glb', box: '1,2,30,40' }
 */
export function uploadMetadataFor(options: UploadOptions): Record<string, string> {
  const metadata: Record<string, string> = {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.quality ? { quality: options.quality } : {}),
    ...(options.point ? { point: `${options.point.x},${options.point.y}` } : {}),
    ...(options.points && options.points.length > 0
      ? { points: options.points.map((p) => `${p.x},${p.y},${p.label}`).join(';') }
      : {}),
    ...(options.box
      ? { box: `${options.box.x0},${options.box.y0},${options.box.x1},${options.box.y1}` }
      : {}),
    ...(options.formats ? { formats: options.formats.join(',') } : {}),
    ...(options.targetFaces !== undefined ? { 'target-faces': String(options.targetFaces) } : {}),
    ...(options.shape ? { shape: options.shape } : {}),
  };
  parseUploadMetadata(metadata);
  return metadata;
}

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

/** Below this segmentation score the mask is doubtful, and a point or box prompt will likely help (PROTOCOL.md). */
export const DOUBTFUL_MASK_SCORE = 0.5;

/**
 * What the worker reports about one reconstruction (the Python worker writes this shape; its tests check a real report
 * against this schema's JSON Schema, `schemas/worker-report.schema.json`).
 */
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
    /** Segmentation only: which seeding won, its score (higher is better) and every hypothesis's score. */
    hypothesis: z.string().optional(),
    score: z.number().optional(),
    hypotheses: z.record(z.string(), z.number()).optional(),
    /**
     * Segmentation only: which path made the mask (`classic`: the weight-free hypotheses; `learned`: the model), the
     * learned model installed on the worker, if any (decision 0026), and where it ran when it did: ONNX Runtime's
     * execution provider (`CUDAExecutionProvider` on a GPU image, `CPUExecutionProvider` otherwise).
     */
    segmenter: z
      .object({
        path: z.enum(['classic', 'learned']),
        model: z.string().optional(),
        provider: z.string().max(100).optional(),
      })
      .optional(),
  }),
  mesh: MeshStatsSchema.extend({
    /** Every file's size in bytes, by format (a format this version does not know is kept too). */
    formats: z.record(z.string(), z.number().int().nonnegative()).optional(),
    /** Only when `targetFaces` was asked for. */
    decimation: z
      .object({
        targetFaces: z.number().int().nonnegative(),
        originalFaces: z.number().int().nonnegative(),
        applied: z.boolean(),
        note: z.string(),
      })
      .optional(),
  }),
  /** The geometric backend only: the shape hypothesis used, who chose it, why, and the evidence (decision 0027). */
  shape: z
    .object({
      shape: ShapeSchema.exclude(['auto']),
      chosenBy: z.enum(['auto', 'user']),
      reason: z.string(),
      evidence: z.record(z.string(), z.number()),
    })
    .optional(),
  timingsMs: TimingsSchema,
  /** Which worker process did the job and when (epoch ms): for tracing, and for tests of the concurrency limit. */
  host: z.object({ pid: z.number().int(), startedAtMs: z.number(), finishedAtMs: z.number() }).optional(),
});
export type WorkerReport = z.output<typeof WorkerReportSchema>;

/** Where a file a job wrote beside its mesh lies, how large it is, and its version (when the bucket gave one). */
const jobOutputFields = {
  key: z.string().min(1).max(1024),
  bytes: z.number().int().nonnegative(),
  versionId: z.string().min(1).optional(),
};

/**
 * One mesh file a job wrote. The extra formats are written before the report, so it names their versions; the
 * PLY, written after it, has none here (its own metadata names the report's version instead).
 */
export const MeshFileSchema = z.object({ format: MeshFormatSchema, ...jobOutputFields });
export type MeshFile = z.output<typeof MeshFileSchema>;

/**
 * A picture the job made beside its mesh (a thumbnail of the mesh, the mask it used), written before the report at
 * the version it names: `users/{userId}/output/{name}.thumb.png` / `.mask.png`.
 */
export const ResultImageFileSchema = z.object({ image: z.enum(['thumbnail', 'mask']), ...jobOutputFields });
export type ResultImageFile = z.output<typeof ResultImageFileSchema>;

/** The job report stored next to the mesh, users/{userId}/output/{name}.report.json. */
export const JobReportSchema = z.object({
  version: z.literal(1),
  jobId,
  userId,
  input: objectRef,
  output: z.object({
    bucket,
    meshKey: z.string(),
    bytes: z.number().int().nonnegative(),
    /** Every mesh file, in the order asked, the PLY included; absent in reports of jobs that made the PLY only. */
    files: z.array(MeshFileSchema).optional(),
    /** The thumbnail and the mask the job stored (absent in reports of jobs made before they were). */
    images: z.array(ResultImageFileSchema).optional(),
  }),
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
  /** The versions of the job's own mesh and report (done): readers open these, never the latest of the name. */
  meshVersionId: z.string().optional(),
  reportVersionId: z.string().optional(),
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
