import type {
  InferenceRequest,
  InferenceResult,
  JobErrorType,
  JobReport,
  FailureDocument,
  MeshFile,
  ResultImageFile,
} from '@gen3d/events';
import { buildFailureDocument, JobDocuments, meshStatsOf } from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { ObjectMissingError, ObjectTooLargeError, type BucketStore } from '@gen3d/object-store';
import {
  InvalidKeyError,
  outputKeysFor,
  parseInputKey,
  parseMaskKey,
  type InputKey,
  type ResultImage,
} from '@gen3d/s3-keys';
import { jobBudgetMs } from './config';
import { JobFailure } from './errors';
import type { WorkerJob, WorkerOutcome } from './worker-client';

export interface JobDeps {
  /** The data bucket: uploads, masks, and every output and job document. */
  readonly data: BucketStore;
  readonly callWorker: (job: WorkerJob, signal: AbortSignal) => Promise<WorkerOutcome>;
  readonly maxUploadBytes: number;
  readonly timeoutMs: number;
  /** Aborted when the container shuts down: the job fails now instead of being cut off. */
  readonly shutdown: AbortSignal;
  readonly now: () => Date;
  readonly log: Logger;
}

export type JobOutcome =
  | { readonly ok: true; readonly result: InferenceResult; readonly report: JobReport }
  | { readonly ok: false; readonly failure: FailureDocument };

const PLY_CONTENT_TYPE = 'application/octet-stream';
/** Every job asks the worker for its pictures: the mesh's thumbnail and the mask it used (PROTOCOL.md `extras`). */
const RESULT_IMAGES_ASKED: readonly ResultImage[] = ['thumbnail', 'mask'];

/** One job while it runs: its request and ports, its documents, when it started and what each stage took. */
interface JobRun {
  readonly request: InferenceRequest;
  readonly deps: JobDeps;
  readonly docs: JobDocuments;
  readonly startedAt: Date;
  /** performance.now() at the start: the job's budget and its timings count from here. */
  readonly started: number;
  readonly timings: Record<string, number>;
  /** The `reconstructing` status write, which overlaps the downloads: awaited before any later status. */
  running: Promise<unknown>;
}

/**
 * Runs one inference request: read the PNG (and the user's mask), call the worker within the job's budget, write
 * the extra formats asked for and the job's pictures (thumbnail, mask: those the worker made), then the report,
 * then the PLY under the job's own users/{userId}/output/ prefix, or write a failure document there. Output keys
 * come from the parsed input key only.
 */
export async function runJob(request: InferenceRequest, deps: JobDeps): Promise<JobOutcome> {
  const run: JobRun = {
    request,
    deps,
    docs: new JobDocuments(deps.data, deps.now),
    startedAt: deps.now(),
    started: performance.now(),
    timings: {},
    running: Promise.resolve(),
  };
  try {
    const input = checkedInput(request, deps.data.bucket);
    const outcome = await reconstruct(run, input);
    return await storeResult(run, input, outcome);
  } catch (error) {
    await run.running;
    return { ok: false, failure: await failJob(request, asJobFailure(error), deps, run.startedAt) };
  }
}

/** Records how long a stage took, in ms to a tenth. */
function lap(run: JobRun, stage: string, since: number): void {
  run.timings[stage] = Math.round((performance.now() - since) * 10) / 10;
}

/** Downloads the picture (and the user's mask) and has the worker make the mesh within what is left of the budget. */
async function reconstruct(run: JobRun, input: InputKey): Promise<Extract<WorkerOutcome, { ok: true }>> {
  const { request, deps } = run;
  const maskKey = request.options.maskKey ? checkedMask(request.options.maskKey, input) : undefined;
  let t = performance.now();
  run.running = run.docs
    .writeStatus({ ...request, name: input.name }, 'reconstructing', { startedAt: run.startedAt })
    .catch((error: unknown) => deps.log.warn({ err: error }, 'could not write the job status'));
  const [image, mask] = await Promise.all([
    download(deps, input.key, request.input.versionId),
    maskKey ? download(deps, maskKey) : Promise.resolve(undefined),
  ]);
  await run.running;
  lap(run, 'download', t);

  t = performance.now();
  // The job's budget runs from its start: what the downloads took is no longer the worker's.
  const budgetMs = Math.max(
    1,
    Math.round(
      jobBudgetMs(deps.timeoutMs, request.invocationTimeoutSeconds) - (performance.now() - run.started),
    ),
  );
  deps.log.info({ inputBytes: image.length, options: request.options, budgetMs }, 'calling the worker');
  const outcome = await callWithTimeout(deps, budgetMs, {
    image,
    ...(mask ? { mask } : {}),
    options: workerOptions(request),
    timeoutMs: budgetMs,
    extras: RESULT_IMAGES_ASKED,
  });
  lap(run, 'worker', t);
  if (!outcome.ok) throw new JobFailure(outcome.error.type, 'reconstruction', outcome.error.message);
  return outcome;
}

/**
 * Stores what the worker made: the other formats and the pictures, the report, then the mesh (whose event sends the
 * email), then the `done` status.
 */
async function storeResult(
  run: JobRun,
  input: InputKey,
  outcome: Extract<WorkerOutcome, { ok: true }>,
): Promise<JobOutcome> {
  const { request, deps, docs, timings } = run;
  const t = performance.now();
  const keys = outputKeysFor(input);
  // The extra formats and the pictures first: the report names the version of each, and the PLY, last, sends
  // the email.
  const { files, images } = await writeBesideMesh(docs, input, request, outcome, deps.log);
  timings['total'] = Math.round(performance.now() - run.started);
  const report: JobReport = {
    version: 1,
    jobId: request.jobId,
    userId: request.userId,
    input: request.input,
    output: {
      bucket: deps.data.bucket,
      meshKey: keys.mesh,
      bytes: outcome.ply.length,
      ...(files.some((f) => f.format !== 'ply') ? { files } : {}),
      ...(images.length > 0 ? { images } : {}),
    },
    worker: outcome.report,
    timingsMs: timings,
    finishedAt: deps.now().toISOString(),
  };
  // The report first, the mesh last: the mesh's ObjectCreated event is what notifies, and S3 makes an object
  // visible only once it is complete, so nothing partial is ever under the key the notify lambda reacts to. The
  // mesh names the report's version, so notify reads this report, not a later one of the same name.
  const written = await docs.writeReport(input, report);
  const meshWritten = await deps.data.put(keys.mesh, outcome.ply, {
    contentType: PLY_CONTENT_TYPE,
    metadata: docs.meshMetadata({ jobId: request.jobId, backend: outcome.report.backend }, written),
  });
  lap(run, 'upload', t);
  timings['total'] = Math.round(performance.now() - run.started);
  // The mesh is stored: from here on the job has succeeded, whatever happens to the status document (should the
  // container die before writing it, notify finds this mesh by its job-id and writes `done` itself).
  await docs
    .writeStatus({ ...request, name: input.name }, 'done', {
      startedAt: run.startedAt,
      // The time the report (and so the result email) says it finished: one end for the page and the email.
      finishedAt: new Date(report.finishedAt),
      meshKey: keys.mesh,
      ...(meshWritten.versionId ? { meshVersionId: meshWritten.versionId } : {}),
      ...(written.versionId ? { reportVersionId: written.versionId } : {}),
      mesh: meshStatsOf(outcome.report),
    })
    .catch((error: unknown) => deps.log.warn({ err: error }, 'could not write the job status'));
  deps.log.info(
    {
      timings,
      mesh: outcome.report.mesh,
      formats: files.map((f) => f.format),
      images: images.map((i) => i.image),
    },
    'job succeeded',
  );
  const result: InferenceResult = {
    version: 1,
    jobId: request.jobId,
    status: 'succeeded',
    meshKey: keys.mesh,
    reportKey: keys.report,
    timingsMs: timings,
  };
  return { ok: true, report, result };
}

/**
 * Writes the mesh's other formats and the job's pictures next to where the PLY goes; returns every mesh file in the
 * order asked (the PLY's entry has no version yet: it is written last) and the pictures written, with their versions.
 */
async function writeBesideMesh(
  docs: JobDocuments,
  input: InputKey,
  job: { readonly jobId: string; readonly options: InferenceRequest['options'] },
  outcome: Extract<WorkerOutcome, { ok: true }>,
  log: Logger,
): Promise<{ files: MeshFile[]; images: ResultImageFile[] }> {
  // The pictures were not asked for by the user: one that cannot be stored is left out (not made), the job goes on.
  const picture = (image: Extract<WorkerOutcome, { ok: true }>['images'][number]) =>
    docs.writeResultImage(input, job, image).catch((error: unknown) => {
      log.warn({ err: error, image: image.image }, 'a picture of the job could not be stored: left out');
      return undefined;
    });
  const [extra, written] = await Promise.all([
    Promise.all(outcome.files.map((file) => docs.writeMeshFile(input, job, file))),
    Promise.all(outcome.images.map(picture)),
  ]);
  const images = written.filter((image): image is ResultImageFile => image !== undefined);
  const ply: MeshFile = { format: 'ply', key: outputKeysFor(input).mesh, bytes: outcome.ply.length };
  const files = (job.options.formats ?? ['ply']).map((format) =>
    format === 'ply' ? ply : (extra.find((f) => f.format === format) as MeshFile),
  );
  return { files, images };
}

/**
 * Records a job's failure: the failure document next to its outputs (which emails the user) and the failed status.
 * Used for jobs that ran and for requests refused before a slot was free (429). Returns the document, which the
 * server also answers with (SageMaker stores it under sagemaker-output/failures/).
 */
export async function failJob(
  request: InferenceRequest,
  failure: JobFailure,
  deps: Pick<JobDeps, 'data' | 'now' | 'log'>,
  startedAt?: Date,
): Promise<FailureDocument> {
  const docs = new JobDocuments(deps.data, deps.now);
  const document = buildFailureDocument({
    job: request,
    input: request.input,
    stage: failure.stage,
    type: failure.type,
    message: failure.message,
    at: deps.now(),
  });
  deps.log.warn({ errorType: failure.type, stage: failure.stage, reason: failure.message }, 'job failed');
  let input: InputKey;
  try {
    input = checkedInput(request, deps.data.bucket);
  } catch {
    return document; // a request naming no usable input of ours: nothing of the user's to write next to
  }
  // Each on its own: a failure document that cannot be written (a name too long for a derived key, a store error)
  // must not leave the job `reconstructing` for ever. The user is still told: SageMaker stores this answer as its
  // failure record, which the notify function emails.
  await docs
    .writeFailure(docs.failureKey(input, request.jobId), document)
    .catch((writeError: unknown) =>
      deps.log.error({ err: writeError }, 'could not write the failure document'),
    );
  await docs
    .writeStatus({ ...request, name: input.name }, 'failed', {
      ...(startedAt ? { startedAt } : {}),
      error: failure.type,
    })
    .catch((writeError: unknown) => deps.log.error({ err: writeError }, 'could not write the failed status'));
  return document;
}

function checkedInput(request: InferenceRequest, dataBucket: string): InputKey {
  if (request.input.bucket !== dataBucket) {
    throw new JobFailure('InvalidRequestError', 'validation', `input bucket must be ${dataBucket}`);
  }
  const input = parseInputKey(request.input.key);
  if (input.userId !== request.userId) {
    throw new JobFailure('InvalidRequestError', 'validation', 'the input key belongs to another user');
  }
  return input;
}

/** A user's mask is read only from that same user's masks/ area. */
function checkedMask(maskKey: string, input: InputKey): string {
  const mask = parseMaskKey(maskKey);
  if (mask.userId !== input.userId) {
    throw new JobFailure('InvalidRequestError', 'validation', 'the mask belongs to another user');
  }
  return mask.key;
}

async function download(deps: JobDeps, key: string, versionId?: string): Promise<Uint8Array> {
  // Size first: an oversized object is refused before a byte of it is downloaded. With a version id, the job reads
  // exactly the upload the extract lambda checked, even if the same name was uploaded again since.
  const info = await deps.data.head(key, versionId);
  if (!info) throw new JobFailure('InputMissingError', 'download', `${deps.data.uri(key)} does not exist`);
  if (info.size === 0) throw new JobFailure('EmptyImageError', 'download', `${deps.data.uri(key)} is empty`);
  if (info.size > deps.maxUploadBytes) {
    throw new JobFailure(
      'ImageTooLargeError',
      'download',
      `${deps.data.uri(key)} is ${info.size} bytes; the limit is ${deps.maxUploadBytes}`,
    );
  }
  return deps.data.get(key, deps.maxUploadBytes, versionId);
}

/** The status document's mesh: the counts only (the report has the rest). */
function workerOptions(request: InferenceRequest): WorkerJob['options'] {
  const { maskKey: _maskKey, ...options } = request.options;
  return options;
}

async function callWithTimeout(deps: JobDeps, budgetMs: number, job: WorkerJob): Promise<WorkerOutcome> {
  const timeout = AbortSignal.timeout(budgetMs);
  const signal = AbortSignal.any([timeout, deps.shutdown]);
  try {
    return await deps.callWorker(job, signal);
  } catch (error) {
    if (deps.shutdown.aborted) {
      throw new JobFailure('WorkerCrashedError', 'reconstruction', 'the container shut down during the job', {
        cause: error,
      });
    }
    if (timeout.aborted) {
      throw new JobFailure('JobTimeoutError', 'reconstruction', `no result after ${budgetMs} ms`, {
        cause: error,
      });
    }
    throw new JobFailure(
      'WorkerCrashedError',
      'reconstruction',
      `the worker stopped during the job (${(error as Error).message})`,
      { cause: error },
    );
  }
}

function asJobFailure(error: unknown): JobFailure {
  if (error instanceof JobFailure) return error;
  const type: [JobErrorType, FailureDocument['stage']] | undefined =
    error instanceof InvalidKeyError
      ? ['InvalidKeyError', 'validation']
      : error instanceof ObjectMissingError
        ? ['InputMissingError', 'download']
        : error instanceof ObjectTooLargeError
          ? ['ImageTooLargeError', 'download']
          : undefined;
  if (type) return new JobFailure(type[0], type[1], (error as Error).message, { cause: error });
  return new JobFailure('InternalError', 'upload', `${(error as Error).name}: ${(error as Error).message}`, {
    cause: error,
  });
}
