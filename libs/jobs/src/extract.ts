import {
  DocumentParseError,
  parseUploadMetadata,
  type CreatedObject,
  type FailureDocument,
  type InferenceRequest,
  type JobOptions,
  type UploadMetadata,
} from '@gen3d/events';
import {
  acquireLock,
  lockDeadline,
  PreconditionFailedError,
  updateLock,
  type BucketStore,
  type LockDocument,
  type ObjectInfo,
} from '@gen3d/object-store';
import type { Invocation } from '@gen3d/runtime';
import {
  buildJobDocumentKey,
  InvalidKeyError,
  parseDataBucketKey,
  parseInputKey,
  parseMaskKey,
  type InputKey,
  type JobId,
} from '@gen3d/s3-keys';
import type { Logger } from '@gen3d/logging';
import { admitWebUpload, type Admission } from './admission';
import { buildFailureDocument, JobDocuments, type JobRef, type ObjectRef } from './documents';
import { InputRejectedError } from './errors';
import type { ExtractConfig } from './extract-config';
import { jobIdFor } from './job-id';
import { describeContent, isPng } from './png-signature';
import type { AsyncInferenceInvoker, Clock } from './ports';

/** What the extract core is given: the data bucket, SageMaker (or the local runner), its settings and the time. */
export interface ExtractPorts {
  readonly data: BucketStore;
  readonly invoker: AsyncInferenceInvoker;
  readonly config: ExtractConfig;
  readonly clock: Clock;
}

export type ExtractOutcome =
  | { readonly status: 'started'; readonly jobId: JobId; readonly outputLocation: string | undefined }
  | { readonly status: 'duplicate'; readonly jobId: JobId }
  /** Another version of the same granted upload (a replayed form) already has its job: nothing started. */
  | { readonly status: 'replayed'; readonly jobId: JobId }
  /** A web upload past a limit counted on acceptance: the job ends failed, without an email (decision 0025). */
  | { readonly status: 'limited'; readonly jobId: JobId; readonly limit: string }
  | { readonly status: 'ignored'; readonly reason: string }
  | {
      readonly status: 'rejected';
      readonly jobId: JobId;
      readonly errorType: InputRejectedError['type'];
      readonly failureKey: string;
    };

/** How a batch of extract outcomes is summed up (see createS3BatchHandler in @gen3d/runtime). */
export const EXTRACT_TALLY = {
  started: ['started'],
  duplicates: ['duplicate', 'repeated', 'replayed'],
  rejected: ['rejected', 'unreadable', 'limited'],
} as const;

interface ExtractLock extends LockDocument {
  readonly jobId: string;
  readonly state: 'starting' | 'invoked' | 'rejected';
}

/**
 * One uploaded object: check it, lock it, write the inference request and start the async inference.
 * Throws only for transient failures (AWS errors after the SDK's retries), so that Lambda retries the event; every
 * refusal ends in a failure document (and so in emails), never in silence.
 *
 * @example await extractObject(parseCreatedObject(record), { data, invoker, config, clock }, invocation)
 */
export async function extractObject(
  object: CreatedObject,
  ports: ExtractPorts,
  invocation: Invocation,
): Promise<ExtractOutcome> {
  const jobId = jobIdFor(object);
  const run: Run = {
    object,
    ports,
    invocation,
    jobId,
    log: invocation.log.child({ jobId }),
    docs: new JobDocuments(ports.data, ports.clock),
    upload: {
      bucket: object.bucket,
      key: object.key,
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.eTag ? { eTag: object.eTag } : {}),
    },
  };
  const input = await uploadKeyOf(run);
  if (!('userId' in input)) return input;
  const job = { userId: input.userId, jobId };
  const lockKey = buildJobDocumentKey({ ...job, document: 'extract-lock' });
  const lock = await takeJobLock(ports, lockKey, jobId, invocation);
  if (!lock) return { status: 'duplicate', jobId };
  let lockETag = lock.eTag;
  const setLock = async (state: ExtractLock['state']) => {
    lockETag = await updateLock<ExtractLock>(ports.data, lockKey, { ...lock.document, state }, lockETag);
  };
  const requestedAt = ports.clock();
  try {
    return await startJob(run, input, requestedAt, setLock);
  } catch (error) {
    if (!(
      error instanceof InputRejectedError ||
      error instanceof DocumentParseError ||
      error instanceof InvalidKeyError
    )) {
      // Transient: free the lock so that Lambda's retry of this event can start the job.
      await freeLock(ports, lockKey, invocation);
      throw error;
    }
    try {
      return await rejectUpload(run, input, requestedAt, asRejection(error), () => setLock('rejected'));
    } catch (writeError) {
      await freeLock(ports, lockKey, invocation);
      throw writeError;
    }
  }
}

/** One extraction's context: the event's object, the ports, and what is known of the job from the start. */
interface Run {
  readonly object: CreatedObject;
  readonly ports: ExtractPorts;
  readonly invocation: Invocation;
  readonly jobId: JobId;
  readonly log: Logger;
  readonly docs: JobDocuments;
  readonly upload: ObjectRef;
}

/**
 * The upload's key, or the outcome for an object that is not an upload: another known key is ignored, an unusable
 * key (another bucket, traversal, a bad name) is rejected with a document under rejected/.
 */
async function uploadKeyOf(run: Run): Promise<InputKey | ExtractOutcome> {
  const { object, ports, docs, log, jobId } = run;
  try {
    if (object.bucket !== ports.data.bucket) {
      throw new InputRejectedError(
        'InvalidRequestError',
        `the object is in bucket ${object.bucket}, not ${ports.data.bucket}`,
      );
    }
    const parsed = parseDataBucketKey(object.key);
    if (parsed.kind !== 'input') {
      // A known key that is not an upload (a user mask under users/{u}/masks/ matches the same .png trigger).
      log.info({ key: object.key, kind: parsed.kind }, 'not an upload: ignored');
      return { status: 'ignored', reason: `a ${parsed.kind} key does not start a job` };
    }
    return parseInputKey(object.key);
  } catch (error) {
    const rejection = asRejection(error);
    const failureKey = docs.failureKey(undefined, jobId);
    const failure = refusalDocument(run, { jobId }, rejection);
    await docs.writeFailure(failureKey, failure, true).catch((e: unknown) => {
      if (!(e instanceof PreconditionFailedError)) throw e;
    });
    log.warn({ errorType: rejection.type, reason: rejection.message }, 'upload rejected: unusable key');
    return { status: 'rejected', jobId, errorType: rejection.type, failureKey };
  }
}

/** Checks the upload (and a web upload's admission), writes the request and the status, invokes the endpoint. */
async function startJob(
  run: Run,
  input: InputKey,
  requestedAt: Date,
  setLock: (state: ExtractLock['state']) => Promise<void>,
): Promise<ExtractOutcome> {
  const { object, ports, docs, log, jobId } = run;
  const info = await headInput(ports, object, input);
  // A granted upload is claimed before anything else is checked: a replayed form stops here whatever its file is,
  // and an unusable file counts against the limits as the one job of its grant (decision 0025).
  if (info.metadata['access'] !== undefined) {
    const admission = await admitWebUpload(ports.data, {
      input,
      jobId,
      versionId: object.versionId,
      email: info.metadata['email'],
      now: requestedAt,
      limits: ports.config.limits,
    });
    if (admission.verdict !== 'admitted') {
      const job = { userId: input.userId, jobId, name: input.name, requestedAt };
      return await refuseWebUpload(admission, job, docs, log, () => setLock('rejected'));
    }
  }
  const metadata = await checkInput(ports, object, input, info);
  const request: InferenceRequest = {
    version: 1,
    jobId,
    userId: input.userId,
    input: run.upload,
    options: jobOptions(metadata, input),
    requestedAt: requestedAt.toISOString(),
    invocationTimeoutSeconds: ports.config.invocationTimeoutSeconds,
  };
  const requestKey = await docs.writeRequest(request);
  await docs.writeStatus({ ...request, name: input.name }, 'queued');
  const { outputLocation } = await ports.invoker.invokeAsync({
    inputLocation: ports.data.uri(requestKey),
    inferenceId: jobId,
    requestTtlSeconds: ports.config.requestTtlSeconds,
    invocationTimeoutSeconds: ports.config.invocationTimeoutSeconds,
  });
  // The job runs now. If this update fails, a redelivery arriving after the lock expired would start the job a
  // second time: rare (a failed write right after a successful invoke), and logged.
  await setLock('invoked').catch((error: unknown) =>
    log.error({ err: error }, 'job started, but its lock could not be marked invoked'),
  );
  log.info(
    { key: object.key, userId: input.userId, options: request.options, outputLocation },
    'job started',
  );
  return { status: 'started', jobId, outputLocation };
}

/** A refused upload: its failure document (which notifies), the lock marked rejected, the status failed. */
async function rejectUpload(
  run: Run,
  input: InputKey,
  requestedAt: Date,
  rejection: InputRejectedError,
  markRejected: () => Promise<void>,
): Promise<ExtractOutcome> {
  const { docs, log, jobId } = run;
  const job = { userId: input.userId, jobId };
  const failureKey = docs.failureKey(input, jobId);
  await docs.writeFailure(failureKey, refusalDocument(run, job, rejection));
  await markRejected();
  await docs
    .writeStatus({ ...job, name: input.name, requestedAt: requestedAt.toISOString() }, 'failed', {
      error: rejection.type,
    })
    .catch((statusError: unknown) => log.warn({ err: statusError }, 'could not write the job status'));
  log.warn({ key: run.object.key, errorType: rejection.type, reason: rejection.message }, 'upload rejected');
  return { status: 'rejected', jobId, errorType: rejection.type, failureKey };
}

/** The failure document of an upload refused before its job could start (stage `validation`), dated now. */
function refusalDocument(
  run: Run,
  job: Parameters<typeof buildFailureDocument>[0]['job'],
  rejection: InputRejectedError,
): FailureDocument {
  return buildFailureDocument({
    job,
    input: run.upload,
    stage: 'validation',
    type: rejection.type,
    message: rejection.message,
    at: run.ports.clock(),
  });
}

async function freeLock(ports: ExtractPorts, lockKey: string, invocation: Invocation): Promise<void> {
  // If this fails too, the lock expires with this invocation's deadline and a later retry takes it over.
  await ports.data
    .delete(lockKey)
    .catch((error: unknown) => invocation.log.warn({ err: error }, 'could not free the job lock'));
}

/**
 * A web upload the admission refused: a replay starts nothing at all; a limit ends the job failed, without an
 * email (its status tells the web app why).
 */
async function refuseWebUpload(
  admission: Exclude<Admission, { verdict: 'admitted' }>,
  job: JobRef & { readonly name: string; readonly requestedAt: Date },
  docs: JobDocuments,
  log: Logger,
  markRejected: () => Promise<void>,
): Promise<ExtractOutcome> {
  if (admission.verdict === 'replayed') {
    await markRejected();
    // The admin's business only (a form posted twice): the user already has the job of the first post.
    log.warn({ claimedBy: admission.claimedBy }, 'a granted upload was posted again: no second job');
    return { status: 'replayed', jobId: job.jobId };
  }
  await docs.writeStatus({ ...job, requestedAt: job.requestedAt.toISOString() }, 'failed', {
    error: 'LimitReachedError',
  });
  await markRejected();
  log.warn({ limit: admission.limit }, 'web upload refused on acceptance: a limit is reached');
  return { status: 'limited', jobId: job.jobId, limit: admission.limit };
}

/** The version of the upload the event names (a second upload under the same name must not stand in for it). */
async function headInput(ports: ExtractPorts, object: CreatedObject, input: InputKey): Promise<ObjectInfo> {
  const info = await ports.data.head(input.key, object.versionId);
  if (!info)
    throw new InputRejectedError('InputMissingError', `${ports.data.uri(input.key)} no longer exists`);
  return info;
}

/** Size from HEAD, PNG signature from the first bytes only, options from the upload's metadata. */
async function checkInput(
  ports: ExtractPorts,
  object: CreatedObject,
  input: InputKey,
  info: ObjectInfo,
): Promise<UploadMetadata> {
  if (info.size === 0) throw new InputRejectedError('EmptyImageError', 'the uploaded file is empty');
  if (info.size > ports.config.maxUploadBytes) {
    throw new InputRejectedError(
      'ImageTooLargeError',
      `the upload is ${info.size} bytes; the limit is ${ports.config.maxUploadBytes}`,
    );
  }
  const head = await ports.data.getRange(input.key, 0, 15, object.versionId);
  if (!isPng(head)) {
    throw new InputRejectedError(
      'NotAPngError',
      `the upload is not a PNG: it looks like ${describeContent(head)}`,
    );
  }
  return parseUploadMetadata(info.metadata);
}

/** The job's options from the upload metadata; a mask must be the same user's `users/{userId}/masks/{name}.png`. */
function jobOptions(metadata: UploadMetadata, input: InputKey): JobOptions {
  let maskKey: string | undefined;
  if (metadata.mask !== undefined) {
    const mask = parseMaskKey(metadata.mask);
    if (mask.userId !== input.userId) {
      throw new InputRejectedError(
        'InvalidRequestError',
        'the mask named in the upload belongs to another user',
      );
    }
    maskKey = mask.key;
  }
  const targetFaces = metadata['target-faces'];
  return {
    backend: metadata.backend ?? 'inflate',
    quality: metadata.quality ?? 'standard',
    ...(metadata.point ? { point: metadata.point } : {}),
    ...(metadata.points ? { points: metadata.points } : {}),
    ...(metadata.box ? { box: metadata.box } : {}),
    ...(maskKey ? { maskKey } : {}),
    ...(metadata.formats ? { formats: metadata.formats } : {}),
    ...(targetFaces !== undefined ? { targetFaces } : {}),
    ...(metadata.shape ? { shape: metadata.shape } : {}),
  };
}

/** The job's lock, or undefined when the job already exists (a duplicate event). */
async function takeJobLock(
  ports: ExtractPorts,
  lockKey: string,
  jobId: JobId,
  invocation: Invocation,
): Promise<{ eTag: string | undefined; document: ExtractLock } | undefined> {
  const now = ports.clock();
  const document: ExtractLock = {
    jobId,
    state: 'starting',
    startedAt: now.toISOString(),
    expiresAt: lockDeadline(now, invocation.remainingTimeMs()).toISOString(),
  };
  const lock = await acquireLock(ports.data, lockKey, document, {
    now,
    isFinished: (held) => held.state !== 'starting',
  });
  if (!lock.acquired) {
    invocation.log.info({ state: lock.held.state }, 'duplicate event: the job already exists');
    return undefined;
  }
  if (lock.previous)
    invocation.log.warn({ since: lock.previous.startedAt }, 'took over the lock of an attempt that died');
  return { eTag: lock.eTag, document };
}

function asRejection(error: unknown): InputRejectedError {
  if (error instanceof InputRejectedError) return error;
  if (error instanceof InvalidKeyError)
    return new InputRejectedError('InvalidKeyError', error.message, { cause: error });
  if (error instanceof DocumentParseError)
    return new InputRejectedError('InvalidRequestError', error.message, { cause: error });
  throw error;
}
