import { createHash } from 'node:crypto';
import {
  DocumentParseError,
  parseFailureDocumentJson,
  parseJobReportJson,
  parseUploadMetadata,
  type CreatedObject,
  type FailureDocument,
} from '@gen3d/events';
import type { Logger } from '@gen3d/logging';
import { PreconditionFailedError, type ObjectStore } from '@gen3d/object-store';
import {
  buildInputKey,
  buildJobDocumentKey,
  buildRejectedKey,
  buildReportKey,
  parseDataBucketKey,
  parseJobId,
  type FailureKey,
  type OutputKey,
  type RejectedKey,
  type SageMakerOutputKey,
} from '@gen3d/s3-keys';
import type { NotifyConfig } from './config';
import { adminFailureEmail, sageMakerFailureEmail, successEmail, userFailureEmail } from './emails';
import type { OutgoingEmail } from './ses';

export interface NotifyDeps {
  readonly store: ObjectStore;
  readonly sendEmail: (email: OutgoingEmail) => Promise<string | undefined>;
  readonly config: NotifyConfig;
  readonly now: () => Date;
  readonly log: Logger;
}

export type NotifyOutcome =
  | { readonly status: 'sent'; readonly jobId: string; readonly emails: number }
  | { readonly status: 'duplicate'; readonly jobId: string }
  | { readonly status: 'ignored'; readonly reason: string };

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * One created object: a mesh (users/{u}/output/{name}.ply) or a failure document (…/{name}.failure.json or
 * rejected/{jobId}.failure.json) becomes exactly one email to the user, plus one to the admin for failures.
 * Throws only for transient failures, after freeing the lock, so that Lambda retries.
 */
export async function notifyObject(object: CreatedObject, deps: NotifyDeps): Promise<NotifyOutcome> {
  const target = parseDataBucketKey(object.key);
  if (target.kind === 'output') return notifyMesh(object, target, deps);
  if (target.kind === 'failure' || (target.kind === 'rejected' && target.document === 'failure')) {
    return notifyFailure(object, target, deps);
  }
  if (target.kind === 'sagemaker-failure') return notifySageMakerFailure(object, target, deps);
  return { status: 'ignored', reason: `a ${target.kind} key does not trigger an email` };
}

async function notifyMesh(
  object: CreatedObject,
  target: OutputKey,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  const report = await readOptional(deps, buildReportKey(target), parseJobReportJson);
  const jobId = report?.jobId ?? fallbackJobId(object);
  const log = deps.log.child({ jobId });
  const inputKey = report?.input.key ?? buildInputKey(target);
  const lockKey = buildJobDocumentKey({ userId: target.userId, jobId, document: 'notify-lock' });
  return withLock(deps, lockKey, jobId, log, async () => {
    const recipient = await recipientOf(deps, inputKey);
    if (!recipient) {
      log.warn({ key: object.key }, 'no address was given at upload: nobody to tell');
      return 0;
    }
    const expiresAt = new Date(deps.now().getTime() + deps.config.linkExpirySeconds * 1000);
    const link = await deps.store.presignGet(
      deps.config.dataBucket,
      target.key,
      deps.config.linkExpirySeconds,
    );
    const email = successEmail({ name: target.name, report, meshBytes: object.size ?? 0, link, expiresAt });
    await deps.sendEmail({ ...email, to: recipient });
    log.info({ key: object.key, to: recipient }, 'result emailed');
    return 1;
  });
}

async function notifyFailure(
  object: CreatedObject,
  target: FailureKey | RejectedKey,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  const failure = await readOptional(deps, object.key, parseFailureDocumentJson);
  if (!failure) return { status: 'ignored', reason: `${object.key} disappeared before it could be read` };
  const jobId = failure.jobId ?? (target.kind === 'rejected' ? target.jobId : fallbackJobId(object));
  const lockKey =
    target.kind === 'rejected'
      ? buildRejectedKey(target.jobId, 'notify-lock')
      : buildJobDocumentKey({ userId: target.userId, jobId, document: 'notify-lock' });
  return sendFailureEmails(deps, failure, jobId, lockKey, nameOf(target, failure));
}

/**
 * SageMaker's own failure record (S3FailurePath): when the container answered with a failure document, it is the
 * same job as the users/ failure document, and the shared lock makes it one email; when the container died without
 * answering, SageMaker's error text is all there is, and only the admin can act on it.
 */
async function notifySageMakerFailure(
  object: CreatedObject,
  target: SageMakerOutputKey,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  const text = Buffer.from(
    await deps.store.get(deps.config.dataBucket, object.key, MAX_DOCUMENT_BYTES),
  ).toString('utf8');
  let failure: FailureDocument | undefined;
  try {
    failure = parseFailureDocumentJson(text);
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
  }
  if (failure?.userId && failure.jobId) {
    const lockKey = buildJobDocumentKey({
      userId: failure.userId,
      jobId: failure.jobId,
      document: 'notify-lock',
    });
    const name = (failure.input.key.split('/').pop() ?? failure.input.key).replace(/\.png$/, '');
    return sendFailureEmails(deps, failure, failure.jobId, lockKey, name);
  }
  const jobId = fallbackJobId(object);
  const log = deps.log.child({ jobId, inferenceId: target.inferenceId });
  return withLock(deps, buildRejectedKey(jobId, 'notify-lock'), jobId, log, async () => {
    await deps.sendEmail({
      ...sageMakerFailureEmail({ key: object.key, inferenceId: target.inferenceId, text }),
      to: deps.config.adminEmail,
    });
    log.warn({ key: object.key }, 'SageMaker failure without a failure document: admin told');
    return 1;
  });
}

async function sendFailureEmails(
  deps: NotifyDeps,
  failure: FailureDocument,
  jobId: string,
  lockKey: string,
  name: string,
): Promise<NotifyOutcome> {
  const log = deps.log.child({ jobId });
  return withLock(deps, lockKey, jobId, log, async () => {
    const recipient = await recipientOf(deps, failure.input.key);
    let sent = 0;
    if (recipient) {
      await deps.sendEmail({ ...userFailureEmail({ name, failure }), to: recipient });
      sent += 1;
    }
    await deps.sendEmail({
      ...adminFailureEmail({ failure, recipientKnown: recipient !== undefined }),
      to: deps.config.adminEmail,
    });
    log.info({ errorType: failure.error.type, userNotified: recipient !== undefined }, 'failure emailed');
    return sent + 1;
  });
}

/** Takes the job's notify lock, runs `send`, and frees the lock again if sending failed (so a retry can send). */
async function withLock(
  deps: NotifyDeps,
  lockKey: string,
  jobId: string,
  log: Logger,
  send: () => Promise<number>,
): Promise<NotifyOutcome> {
  try {
    await deps.store.put(
      deps.config.dataBucket,
      lockKey,
      JSON.stringify({ jobId, at: deps.now().toISOString() }),
      {
        contentType: 'application/json',
        ifNoneMatch: '*',
      },
    );
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    log.info('duplicate event: already notified');
    return { status: 'duplicate', jobId };
  }
  try {
    return { status: 'sent', jobId, emails: await send() };
  } catch (error) {
    await deps.store.delete(deps.config.dataBucket, lockKey).catch(() => undefined);
    throw error;
  }
}

/** The address the user gave at upload (x-amz-meta-email on the input object), if any. */
async function recipientOf(deps: NotifyDeps, inputKey: string): Promise<string | undefined> {
  const info = await deps.store.head(deps.config.dataBucket, inputKey);
  if (!info) return undefined;
  try {
    return parseUploadMetadata(info.metadata).email;
  } catch (error) {
    if (error instanceof DocumentParseError) return undefined;
    throw error;
  }
}

async function readOptional<T>(
  deps: NotifyDeps,
  key: string,
  parse: (text: string) => T,
): Promise<T | undefined> {
  const info = await deps.store.head(deps.config.dataBucket, key);
  if (!info) return undefined;
  return parse(
    Buffer.from(await deps.store.get(deps.config.dataBucket, key, MAX_DOCUMENT_BYTES)).toString('utf8'),
  );
}

function nameOf(target: FailureKey | RejectedKey, failure: FailureDocument): string {
  if (target.kind === 'failure') return target.name;
  const file = failure.input.key.split('/').pop() ?? failure.input.key;
  return file.replace(/\.png$/, '');
}

function fallbackJobId(object: CreatedObject): string {
  const identity = [object.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join('\n');
  return parseJobId(createHash('sha256').update(identity).digest('hex').slice(0, 32));
}
