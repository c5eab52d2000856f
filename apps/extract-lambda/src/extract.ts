import {
  DocumentParseError,
  JOB_ERRORS,
  parseUploadMetadata,
  type CreatedObject,
  type FailureDocument,
  type InferenceRequest,
  type JobErrorType,
  type JobStatus,
} from '@gen3d/events';
import type { Logger } from '@gen3d/logging';
import {
  acquireLock,
  PreconditionFailedError,
  putJson,
  updateLock,
  type LockDocument,
  type ObjectStore,
} from '@gen3d/object-store';
import {
  buildJobDocumentKey,
  buildRejectedKey,
  InvalidKeyError,
  outputKeysFor,
  parseDataBucketKey,
  parseInputKey,
  type InputKey,
  type JobId,
} from '@gen3d/s3-keys';
import type { ExtractConfig } from './config';
import { jobIdFor } from './job-id';
import { describeContent, isPng } from './png-signature';

export interface AsyncInvocation {
  readonly endpointName: string;
  readonly inputLocation: string;
  readonly inferenceId: string;
  readonly requestTtlSeconds: number;
  readonly invocationTimeoutSeconds: number;
}

export interface ExtractDeps {
  readonly store: ObjectStore;
  readonly invokeAsync: (invocation: AsyncInvocation) => Promise<{ outputLocation: string | undefined }>;
  readonly config: ExtractConfig;
  readonly now: () => Date;
  readonly log: Logger;
}

export type ExtractOutcome =
  | { readonly status: 'started'; readonly jobId: JobId; readonly outputLocation: string | undefined }
  | { readonly status: 'duplicate'; readonly jobId: JobId }
  | { readonly status: 'ignored'; readonly reason: string }
  | {
      readonly status: 'rejected';
      readonly jobId: JobId;
      readonly errorType: JobErrorType;
      readonly failureKey: string;
    };

/** An input the pipeline refuses for good: it gets a failure document (and so emails), never a retry. */
class Rejection extends Error {
  constructor(
    readonly type: JobErrorType,
    message: string,
  ) {
    super(message);
  }
}

interface Lock extends LockDocument {
  readonly jobId: string;
  readonly state: 'starting' | 'invoked' | 'rejected';
  readonly startedAt: string;
}

/**
 * A `starting` lock older than this belongs to an attempt that died: the function times out at 30 s (seed), so no
 * live attempt holds a lock longer.
 */
export const STALE_LOCK_MS = 40_000;

/**
 * One uploaded object: check it, lock it, write the inference request and start the SageMaker async job.
 * Throws only for transient failures (AWS errors after the SDK's retries), so that Lambda retries the event.
 */
export async function extractObject(object: CreatedObject, deps: ExtractDeps): Promise<ExtractOutcome> {
  const jobId = jobIdFor({
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId ? { versionId: object.versionId } : {}),
    ...(object.eTag ? { eTag: object.eTag } : {}),
  });
  const log = deps.log.child({ jobId });
  let input: InputKey;
  try {
    if (object.bucket !== deps.config.dataBucket) {
      throw new Rejection(
        'InvalidRequestError',
        `the object is in bucket ${object.bucket}, not ${deps.config.dataBucket}`,
      );
    }
    const parsed = parseDataBucketKey(object.key);
    if (parsed.kind !== 'input') {
      // A known key that is not an upload (a user mask under users/{u}/masks/ matches the same .png trigger).
      log.info({ key: object.key, kind: parsed.kind }, 'not an upload: ignored');
      return { status: 'ignored', reason: `a ${parsed.kind} key does not start a job` };
    }
    input = parseInputKey(object.key);
  } catch (error) {
    const rejection = asRejection(error);
    const failureKey = buildRejectedKey(jobId);
    await putJson(
      deps.store,
      deps.config.dataBucket,
      failureKey,
      failureDocument(object, jobId, rejection, deps),
      {
        ifNoneMatch: '*',
      },
    ).catch((e: unknown) => {
      if (!(e instanceof PreconditionFailedError)) throw e;
    });
    log.warn({ errorType: rejection.type, reason: rejection.message }, 'upload rejected: unusable key');
    return { status: 'rejected', jobId, errorType: rejection.type, failureKey };
  }

  const lockKey = buildJobDocumentKey({ userId: input.userId, jobId, document: 'extract-lock' });
  const lockETag = await takeJobLock(deps, lockKey, jobId, log);
  if (lockETag === undefined) return { status: 'duplicate', jobId };

  try {
    const metadata = await checkInput(deps, object, input);
    const request: InferenceRequest = {
      version: 1,
      jobId,
      userId: input.userId,
      input: {
        bucket: object.bucket,
        key: object.key,
        ...(object.versionId ? { versionId: object.versionId } : {}),
        ...(object.eTag ? { eTag: object.eTag } : {}),
      },
      options: {
        backend: metadata.backend ?? 'inflate',
        quality: metadata.quality ?? 'standard',
        ...(metadata.point ? { point: metadata.point } : {}),
      },
      requestedAt: deps.now().toISOString(),
    };
    const requestKey = buildJobDocumentKey({ userId: input.userId, jobId, document: 'request' });
    await putJson(deps.store, deps.config.dataBucket, requestKey, request);
    await writeStatus(deps, input, jobId, 'queued');
    const { outputLocation } = await deps.invokeAsync({
      endpointName: deps.config.endpointName,
      inputLocation: `s3://${deps.config.dataBucket}/${requestKey}`,
      inferenceId: jobId,
      requestTtlSeconds: deps.config.requestTtlSeconds,
      invocationTimeoutSeconds: deps.config.invocationTimeoutSeconds,
    });
    // The job runs now. If this update fails, a redelivery arriving after the lock went stale would start the job a
    // second time: rare (a failed write right after a successful invoke), and logged.
    await updateLock(
      deps.store,
      deps.config.dataBucket,
      lockKey,
      { jobId, state: 'invoked', startedAt: deps.now().toISOString() },
      lockETag,
    ).catch((error: unknown) =>
      log.error({ err: error }, 'job started, but its lock could not be marked invoked'),
    );
    log.info(
      { key: object.key, userId: input.userId, options: request.options, outputLocation },
      'job started',
    );
    return { status: 'started', jobId, outputLocation };
  } catch (error) {
    if (!(error instanceof Rejection || error instanceof DocumentParseError)) {
      // Transient: free the lock so that Lambda's retry of this event can start the job.
      await freeLock(deps, lockKey, log);
      throw error;
    }
    const rejection = asRejection(error);
    const failureKey = outputKeysFor(input).failure;
    try {
      await putJson(
        deps.store,
        deps.config.dataBucket,
        failureKey,
        failureDocument(object, jobId, rejection, deps, input),
      );
      await updateLock(
        deps.store,
        deps.config.dataBucket,
        lockKey,
        { jobId, state: 'rejected', startedAt: deps.now().toISOString() },
        lockETag,
      );
    } catch (writeError) {
      await freeLock(deps, lockKey, log);
      throw writeError;
    }
    await writeStatus(deps, input, jobId, 'failed', {
      error: { type: rejection.type, userMessage: JOB_ERRORS[rejection.type].user },
    }).catch((statusError: unknown) => log.warn({ err: statusError }, 'could not write the job status'));
    log.warn({ key: object.key, errorType: rejection.type, reason: rejection.message }, 'upload rejected');
    return { status: 'rejected', jobId, errorType: rejection.type, failureKey };
  }
}

async function freeLock(deps: ExtractDeps, lockKey: string, log: Logger): Promise<void> {
  // If this fails too, the lock goes stale after STALE_LOCK_MS and a later retry takes it over.
  await deps.store
    .delete(deps.config.dataBucket, lockKey)
    .catch((error: unknown) => log.warn({ err: error }, 'could not free the job lock'));
}

/** Size from HEAD, PNG signature from the first bytes only, options from the upload's metadata. */
async function checkInput(deps: ExtractDeps, object: CreatedObject, input: InputKey) {
  // The version the event names: a second upload under the same name must not stand in for this one.
  const info = await deps.store.head(object.bucket, input.key, object.versionId);
  if (!info) throw new Rejection('InputMissingError', `s3://${object.bucket}/${input.key} no longer exists`);
  if (info.size === 0) throw new Rejection('EmptyImageError', 'the uploaded file is empty');
  if (info.size > deps.config.maxInputBytes) {
    throw new Rejection(
      'ImageTooLargeError',
      `the upload is ${info.size} bytes; the limit is ${deps.config.maxInputBytes}`,
    );
  }
  const head = await deps.store.getRange(object.bucket, input.key, 0, 15, object.versionId);
  if (!isPng(head)) {
    throw new Rejection('NotAPngError', `the upload is not a PNG: it looks like ${describeContent(head)}`);
  }
  return parseUploadMetadata(info.metadata);
}

/** The job's lock: the id of a new lock's ETag, or undefined when the job already exists (a duplicate event). */
async function takeJobLock(
  deps: ExtractDeps,
  lockKey: string,
  jobId: JobId,
  log: Logger,
): Promise<string | undefined> {
  const fresh: Lock = { jobId, state: 'starting', startedAt: deps.now().toISOString() };
  const lock = await acquireLock(deps.store, deps.config.dataBucket, lockKey, fresh, {
    staleMs: STALE_LOCK_MS,
    now: deps.now(),
    isFinished: (held) => held.state !== 'starting',
  });
  if (!lock.acquired) {
    log.info({ state: lock.held.state }, 'duplicate event: the job already exists');
    return undefined;
  }
  if (lock.previous)
    log.warn({ since: lock.previous.startedAt }, 'took over the lock of an attempt that died');
  return lock.eTag ?? '';
}

async function writeStatus(
  deps: ExtractDeps,
  input: InputKey,
  jobId: JobId,
  state: JobStatus['state'],
  extra: Partial<JobStatus> = {},
): Promise<void> {
  const status: JobStatus = {
    version: 1,
    jobId,
    userId: input.userId,
    name: input.name,
    state,
    updatedAt: deps.now().toISOString(),
    ...extra,
  };
  const key = buildJobDocumentKey({ userId: input.userId, jobId, document: 'status' });
  await putJson(deps.store, deps.config.dataBucket, key, status);
}

function failureDocument(
  object: CreatedObject,
  jobId: JobId,
  rejection: Rejection,
  deps: ExtractDeps,
  input?: InputKey,
): FailureDocument {
  return {
    version: 1,
    jobId,
    ...(input ? { userId: input.userId } : {}),
    input: { bucket: object.bucket, key: object.key, ...(object.eTag ? { eTag: object.eTag } : {}) },
    stage: 'validation',
    error: { type: rejection.type, message: rejection.message },
    retryable: false,
    failedAt: deps.now().toISOString(),
  };
}

function asRejection(error: unknown): Rejection {
  if (error instanceof Rejection) return error;
  if (error instanceof InvalidKeyError) return new Rejection('InvalidKeyError', error.message);
  if (error instanceof DocumentParseError) return new Rejection('InvalidRequestError', error.message);
  throw error;
}
