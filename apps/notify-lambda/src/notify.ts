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
import { acquireLock, updateLock, type LockDocument, type ObjectStore } from '@gen3d/object-store';
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

/** One email of a notification, named so that a retry knows which ones already went out. */
interface Delivery {
  readonly id: 'user' | 'admin';
  readonly email: () => Promise<OutgoingEmail | undefined>;
}

interface NotifyLock extends LockDocument {
  readonly jobId: string;
  readonly state: 'sending' | 'sent';
  readonly startedAt: string;
  readonly done: readonly Delivery['id'][];
}

/** A `sending` lock older than this belongs to an attempt that died (the function times out at 15 s, seed). */
export const STALE_NOTIFY_LOCK_MS = 25_000;

/** SES refusals that no retry will change: the address or the sender is refused. */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'InvalidParameterValue',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
]);

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * One created object: a mesh (users/{u}/output/{name}.ply), a failure document (…/{name}.failure.json or
 * rejected/{jobId}.failure.json) or SageMaker's failure record becomes exactly one email to the user, plus one to
 * the admin for failures. Throws only for transient failures, so that Lambda retries; a retry sends only what is
 * still missing.
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
  // The mesh's own metadata names its job; the report next to it may already belong to a newer upload of the name.
  const mesh = await deps.store.head(deps.config.dataBucket, target.key, object.versionId);
  if (!mesh) return { status: 'ignored', reason: `${object.key} disappeared before it could be read` };
  const stored = await readOptional(deps, buildReportKey(target), parseJobReportJson);
  const meshJobId = mesh.metadata['job-id'];
  const report = stored && (meshJobId === undefined || stored.jobId === meshJobId) ? stored : undefined;
  const jobId = meshJobId ?? report?.jobId ?? fallbackJobId(object);
  const inputKey = report?.input.key ?? buildInputKey(target);
  const lockKey = buildJobDocumentKey({
    userId: target.userId,
    jobId: parseJobId(jobId),
    document: 'notify-lock',
  });
  return deliver(deps, lockKey, jobId, [
    {
      id: 'user',
      email: async () => {
        const to = await recipientOf(deps, inputKey, report?.input.versionId);
        if (!to) return undefined;
        const link = await deps.store.presignGet(
          deps.config.dataBucket,
          target.key,
          deps.config.linkExpirySeconds,
          object.versionId,
        );
        return {
          ...successEmail({ name: target.name, report, meshBytes: mesh.size, ...link, link: link.url }),
          to,
        };
      },
    },
  ]);
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
  return deliver(deps, lockKey, jobId, failureDeliveries(deps, failure, nameOf(failure)));
}

/**
 * SageMaker's own failure record (S3FailurePath): when the container answered with a failure document, it is the
 * same job as the users/ failure document, and the shared lock makes it one notification; when the container died
 * without answering, SageMaker's error text is all there is, and only the admin can act on it.
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
    return deliver(deps, lockKey, failure.jobId, failureDeliveries(deps, failure, nameOf(failure)));
  }
  const jobId = fallbackJobId(object);
  const email = sageMakerFailureEmail({ key: object.key, inferenceId: target.inferenceId, text });
  return deliver(deps, buildRejectedKey(jobId, 'notify-lock'), jobId, [
    { id: 'admin', email: async () => ({ ...email, to: deps.config.adminEmail }) },
  ]);
}

function failureDeliveries(deps: NotifyDeps, failure: FailureDocument, name: string): Delivery[] {
  const recipient = recipientOf(deps, failure.input.key, failure.input.versionId);
  return [
    {
      id: 'user',
      email: async () => {
        const to = await recipient;
        return to ? { ...userFailureEmail({ name, failure }), to } : undefined;
      },
    },
    {
      id: 'admin',
      email: async () => ({
        ...adminFailureEmail({ failure, recipientKnown: (await recipient) !== undefined }),
        to: deps.config.adminEmail,
      }),
    },
  ];
}

/**
 * Sends the deliveries of one notification exactly once across duplicate events and retries. The lock records what
 * went out; a retry (after a timeout or a transient error) takes over a stale lock and sends only the rest.
 */
async function deliver(
  deps: NotifyDeps,
  lockKey: string,
  jobId: string,
  deliveries: readonly Delivery[],
): Promise<NotifyOutcome> {
  const log = deps.log.child({ jobId });
  const startedAt = deps.now().toISOString();
  const lock = await acquireLock<NotifyLock>(
    deps.store,
    deps.config.dataBucket,
    lockKey,
    { jobId, state: 'sending', startedAt, done: [] },
    { staleMs: STALE_NOTIFY_LOCK_MS, now: deps.now(), isFinished: (held) => held.state === 'sent' },
  );
  if (!lock.acquired) {
    log.info('duplicate event: already notified');
    return { status: 'duplicate', jobId };
  }
  const done = [...(lock.previous?.done ?? [])];
  if (lock.previous) log.warn({ done }, 'took over a notification whose sender died; sending the rest');
  let eTag = lock.eTag;
  const update = (state: NotifyLock['state']) =>
    updateLock(deps.store, deps.config.dataBucket, lockKey, { jobId, state, startedAt, done }, eTag);
  let sent = 0;
  for (const delivery of deliveries) {
    if (done.includes(delivery.id)) continue;
    const email = await delivery.email();
    if (email) {
      try {
        await deps.sendEmail(email);
        sent += 1;
      } catch (error) {
        if (!PERMANENT_SES_ERRORS.has((error as Error).name)) throw error; // transient: Lambda retries the rest
        log.warn(
          { delivery: delivery.id, errorType: (error as Error).name },
          'SES refused the email for good',
        );
      }
    } else {
      log.warn({ delivery: delivery.id }, 'no address was given at upload: nobody to tell');
    }
    done.push(delivery.id);
    eTag = await update('sending');
  }
  await update('sent');
  log.info({ emails: sent, deliveries: done }, 'notification sent');
  return { status: 'sent', jobId, emails: sent };
}

/** The address the user gave at upload (x-amz-meta-email on the input object), if any and if it is one. */
async function recipientOf(
  deps: NotifyDeps,
  inputKey: string,
  versionId?: string,
): Promise<string | undefined> {
  const info = await deps.store.head(deps.config.dataBucket, inputKey, versionId);
  const email = info?.metadata['email'];
  if (email === undefined) return undefined;
  try {
    // Only the address is checked here: a bad option elsewhere in the metadata must not silence the user's email.
    return parseUploadMetadata({ email }).email;
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

/** The picture's name for the user: the input key's file name without `.png`. */
function nameOf(failure: FailureDocument): string {
  const file = failure.input.key.split('/').pop() ?? failure.input.key;
  return file.replace(/\.png$/, '');
}

function fallbackJobId(object: CreatedObject): string {
  const identity = [object.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join('\n');
  return parseJobId(createHash('sha256').update(identity).digest('hex').slice(0, 32));
}
