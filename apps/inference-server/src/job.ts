import {
  JOB_ERRORS,
  type FailureDocument,
  type InferenceRequest,
  type InferenceResult,
  type JobErrorType,
  type JobReport,
  type JobStatus,
} from '@gen3d/events';
import type { Logger } from '@gen3d/logging';
import {
  buildJobDocumentKey,
  InvalidKeyError,
  outputKeysFor,
  parseInputKey,
  parseMaskKey,
  type InputKey,
} from '@gen3d/s3-keys';
import { ObjectMissingError, ObjectTooLargeError, putJson, type ObjectStore } from '@gen3d/object-store';
import type { WorkerJob, WorkerOutcome } from './worker-client';

export interface JobDeps {
  readonly store: ObjectStore;
  readonly callWorker: (job: WorkerJob, signal: AbortSignal) => Promise<WorkerOutcome>;
  readonly dataBucket: string;
  readonly maxInputBytes: number;
  readonly timeoutMs: number;
  /** Aborted when the container shuts down: the job fails now instead of being cut off. */
  readonly shutdown: AbortSignal;
  readonly now: () => Date;
  readonly log: Logger;
}

export type JobOutcome =
  | { readonly ok: true; readonly result: InferenceResult; readonly report: JobReport }
  | { readonly ok: false; readonly status: number; readonly failure: FailureDocument };

/** A failure with its type, the stage it happened in and the HTTP status the container answers with. */
class JobFailure extends Error {
  constructor(
    readonly type: JobErrorType,
    readonly stage: FailureDocument['stage'],
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const PLY_CONTENT_TYPE = 'application/octet-stream';

/**
 * Runs one inference request: read the PNG (and mask), call the worker, write report then mesh under the job's own
 * users/{userId}/output/ prefix, or write a failure document there. Output keys come from the parsed input key only.
 */
export async function runJob(request: InferenceRequest, deps: JobDeps): Promise<JobOutcome> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (stage: string, since: number) =>
    (timings[stage] = Math.round((performance.now() - since) * 10) / 10);
  let input: InputKey | undefined;
  let running: Promise<unknown> = Promise.resolve();
  try {
    input = checkedInput(request, deps.dataBucket);
    const maskKey = request.options.maskKey ? checkedMask(request, input) : undefined;

    let t = performance.now();
    // The status write and the downloads are independent: overlap them.
    // The `running` status is informative and overlaps the downloads; it must land before any later status.
    running = writeStatus(deps, request, input, 'running').catch((error: unknown) =>
      deps.log.warn({ err: error }, 'could not write the job status'),
    );
    const [image, mask] = await Promise.all([
      download(deps, request.input.bucket, input.key, request.input.versionId),
      maskKey ? download(deps, deps.dataBucket, maskKey) : Promise.resolve(undefined),
    ]);
    await running;
    lap('download', t);

    t = performance.now();
    deps.log.info({ inputBytes: image.length, options: request.options }, 'calling the worker');
    const outcome = await callWithTimeout(deps, {
      image,
      ...(mask ? { mask } : {}),
      options: workerOptions(request),
    });
    lap('worker', t);
    if (!outcome.ok) {
      throw new JobFailure(outcome.error.type, 'reconstruction', outcome.error.message, outcome.status);
    }

    t = performance.now();
    const keys = outputKeysFor(input);
    timings['total'] = Math.round(performance.now() - started);
    const report: JobReport = {
      version: 1,
      jobId: request.jobId,
      userId: request.userId,
      input: request.input,
      output: { bucket: deps.dataBucket, meshKey: keys.mesh, bytes: outcome.ply.length },
      worker: outcome.report,
      timingsMs: timings,
      finishedAt: deps.now().toISOString(),
    };
    // The report first, the mesh last: the mesh's ObjectCreated event is what notifies, and S3 makes an object
    // visible only once it is complete, so nothing partial is ever under the key the notify lambda reacts to.
    await putJson(deps.store, deps.dataBucket, keys.report, report);
    await deps.store.put(deps.dataBucket, keys.mesh, outcome.ply, {
      contentType: PLY_CONTENT_TYPE,
      metadata: { 'job-id': request.jobId, backend: outcome.report.backend },
    });
    lap('upload', t);
    timings['total'] = Math.round(performance.now() - started);
    // The mesh is stored: from here on the job has succeeded, whatever happens to the status document.
    await writeStatus(deps, request, input, 'succeeded', {
      meshKey: keys.mesh,
      report: outcome.report.mesh,
    }).catch((error: unknown) => deps.log.warn({ err: error }, 'could not write the job status'));
    deps.log.info({ timings, mesh: outcome.report.mesh }, 'job succeeded');
    return {
      ok: true,
      report,
      result: {
        version: 1,
        jobId: request.jobId,
        status: 'succeeded',
        meshKey: keys.mesh,
        reportKey: keys.report,
        timingsMs: timings,
      },
    };
  } catch (error) {
    await running;
    const failure = asJobFailure(error);
    const document: FailureDocument = {
      version: 1,
      jobId: request.jobId,
      userId: request.userId,
      input: request.input,
      stage: failure.stage,
      error: { type: failure.type, message: failure.message },
      retryable: JOB_ERRORS[failure.type].retryable,
      failedAt: deps.now().toISOString(),
    };
    deps.log.warn({ errorType: failure.type, stage: failure.stage, reason: failure.message }, 'job failed');
    if (input) {
      try {
        await putJson(deps.store, deps.dataBucket, outputKeysFor(input).failure, document);
        await writeStatus(deps, request, input, 'failed', {
          error: { type: failure.type, userMessage: JOB_ERRORS[failure.type].user },
        });
      } catch (writeError) {
        deps.log.error({ err: writeError }, 'could not write the failure document');
      }
    }
    return { ok: false, status: failure.status, failure: document };
  }
}

function checkedInput(request: InferenceRequest, dataBucket: string): InputKey {
  if (request.input.bucket !== dataBucket) {
    throw new JobFailure('InvalidRequestError', 'validation', `input bucket must be ${dataBucket}`, 400);
  }
  const input = parseInputKey(request.input.key);
  if (input.userId !== request.userId) {
    throw new JobFailure('InvalidRequestError', 'validation', 'the input key belongs to another user', 400);
  }
  return input;
}

function checkedMask(request: InferenceRequest, input: InputKey): string {
  const mask = parseMaskKey(request.options.maskKey as string);
  if (mask.userId !== input.userId) {
    throw new JobFailure('InvalidRequestError', 'validation', 'the mask belongs to another user', 400);
  }
  return mask.key;
}

async function download(deps: JobDeps, bucket: string, key: string, versionId?: string): Promise<Uint8Array> {
  // Size first: an oversized object is refused before a byte of it is downloaded. With a version id, the job reads
  // exactly the upload the extract lambda checked, even if the same name was uploaded again since.
  const info = await deps.store.head(bucket, key, versionId);
  if (!info)
    throw new JobFailure('InputMissingError', 'download', `s3://${bucket}/${key} does not exist`, 404);
  if (info.size === 0)
    throw new JobFailure('EmptyImageError', 'download', `s3://${bucket}/${key} is empty`, 422);
  if (info.size > deps.maxInputBytes) {
    throw new JobFailure(
      'ImageTooLargeError',
      'download',
      `s3://${bucket}/${key} is ${info.size} bytes; the limit is ${deps.maxInputBytes}`,
      413,
    );
  }
  return deps.store.get(bucket, key, deps.maxInputBytes, versionId);
}

function workerOptions(request: InferenceRequest): WorkerJob['options'] {
  const { maskKey: _maskKey, ...options } = request.options;
  return options;
}

async function callWithTimeout(deps: JobDeps, job: WorkerJob): Promise<WorkerOutcome> {
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  const signal = AbortSignal.any([timeout, deps.shutdown]);
  try {
    return await deps.callWorker(job, signal);
  } catch (error) {
    if (deps.shutdown.aborted) {
      throw new JobFailure(
        'WorkerCrashedError',
        'reconstruction',
        'the container shut down during the job',
        503,
      );
    }
    if (timeout.aborted) {
      throw new JobFailure('JobTimeoutError', 'reconstruction', `no result after ${deps.timeoutMs} ms`, 504);
    }
    throw new JobFailure(
      'WorkerCrashedError',
      'reconstruction',
      `the worker stopped during the job (${(error as Error).message})`,
      503,
    );
  }
}

async function writeStatus(
  deps: JobDeps,
  request: InferenceRequest,
  input: InputKey,
  state: JobStatus['state'],
  extra: Partial<JobStatus> = {},
): Promise<void> {
  const status: JobStatus = {
    version: 1,
    jobId: request.jobId,
    userId: request.userId,
    name: input.name,
    state,
    updatedAt: deps.now().toISOString(),
    ...extra,
  };
  const key = buildJobDocumentKey({ userId: request.userId, jobId: request.jobId, document: 'status' });
  await putJson(deps.store, deps.dataBucket, key, status);
}

function asJobFailure(error: unknown): JobFailure {
  if (error instanceof JobFailure) return error;
  if (error instanceof InvalidKeyError)
    return new JobFailure('InvalidKeyError', 'validation', error.message, 400);
  if (error instanceof ObjectMissingError)
    return new JobFailure('InputMissingError', 'download', error.message, 404);
  if (error instanceof ObjectTooLargeError)
    return new JobFailure('ImageTooLargeError', 'download', error.message, 413);
  return new JobFailure(
    'InternalError',
    'upload',
    `${(error as Error).name}: ${(error as Error).message}`,
    500,
  );
}
