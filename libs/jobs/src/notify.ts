import { createHash } from 'node:crypto';
import {
  DocumentParseError,
  jobEndedAt,
  JobErrorSchema,
  keptUntil,
  parseFailureDocumentJson,
  parseUploadMetadata,
  type CreatedObject,
  type FailureDocument,
  type InferenceRequest,
  type JobErrorType,
  type JobReport,
} from '@gen3d/events';
import {
  acquireLock,
  lockDeadline,
  LockBusyError,
  ObjectMissingError,
  updateLock,
  type BucketStore,
  type LockDocument,
} from '@gen3d/object-store';
import type { Logger } from '@gen3d/logging';
import type { Invocation } from '@gen3d/runtime';
import {
  buildInputKey,
  buildJobDocumentKey,
  buildMeshFileKey,
  buildRejectedKey,
  buildReportKey,
  buildResultImageKey,
  InvalidKeyError,
  JOB_ID_PATTERN,
  parseDataBucketKey,
  parseInputKey,
  parseJobId,
  type FailureKey,
  type JobId,
  type MeshFormat,
  type OutputKey,
  type RejectedKey,
  type SageMakerOutputKey,
} from '@gen3d/s3-keys';
import { buildFailureDocument, JobDocuments, type ObjectRef } from './documents';
import {
  adminFailureEmail,
  displayName,
  sageMakerFailureEmail,
  successEmail,
  userFailureEmail,
} from './emails';
import { PermanentMailError } from './errors';
import { readJobRequest } from './job-files';
import { isPng } from './png-signature';
import type { NotifyConfig } from './notify-config';
import type { DownloadLinks } from './download-links';
import type { Clock, Mailer, OutgoingEmail } from './ports';
import { findStoredMesh, markDoneFromMesh } from './stored-mesh';
import {
  addressHashOf,
  confirmsFor,
  forgetHeldResults,
  holdResult,
  isAddressConfirmed,
  jobLink,
  readAddressRecord,
  type HeldResult,
} from './web';

/** What the notify core is given: the data bucket, the mailer (SES or an outbox), its settings and the time. */
export interface NotifyPorts {
  readonly data: BucketStore;
  readonly mailer: Mailer;
  readonly config: NotifyConfig;
  readonly clock: Clock;
  /** Signs the emails' download links (redeemed by the API); absent, the emails carry presigned URLs. */
  readonly links?: DownloadLinks;
}

export type NotifyOutcome =
  | { readonly status: 'sent'; readonly jobId: string; readonly emails: number }
  /** The user's email waits until the address is confirmed (see releaseHeldResults); the others went out. */
  | { readonly status: 'held'; readonly jobId: string; readonly emails: number }
  | { readonly status: 'duplicate'; readonly jobId: string }
  | { readonly status: 'ignored'; readonly reason: string };

/** How a batch of notify outcomes is summed up (see createS3BatchHandler in @gen3d/runtime). */
export const NOTIFY_TALLY = {
  sent: ['sent'],
  held: ['held'],
  duplicates: ['duplicate', 'repeated'],
  ignored: ['ignored', 'unreadable'],
} as const;

/** An email that may not go out yet: the web upload's address is not confirmed for its session. */
interface Hold {
  /** The address it goes to once confirmed. */
  readonly hold: string;
  /** The session that uploaded: only its own confirmation releases the email. */
  readonly userId: string;
}

/** One email of a notification, named so that a retry knows which ones already went out. */
interface Delivery {
  readonly id: 'user' | 'admin';
  readonly email: () => Promise<OutgoingEmail | Hold | undefined>;
}

/**
 * The notification lock (users/{u}/jobs/{jobId}/notify.lock, rejected/{jobId}.notify.lock). `held`: every email but
 * the user's went out, and the user's waits for the address's confirmation; a held lock has expired at once, so
 * whoever comes next (POST /confirm, a redelivered event) takes it over. `heldAt` stays from then on: only the
 * user's email is left, which is what lets the web API finish it.
 */
export interface NotifyLock extends LockDocument {
  readonly jobId: string;
  readonly state: 'sending' | 'held' | 'sent';
  readonly done: readonly Delivery['id'][];
  readonly heldAt?: string;
}

const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * A stored result to notify about: a mesh, a failure document or a SageMaker failure record, at one version. The
 * notify function knows it from an S3 event; a release knows it from the held result, with its job id.
 */
interface ResultRef {
  readonly key: string;
  readonly versionId: string | undefined;
  /** The event's ETag, for the fallback job id of a result whose documents name none. */
  readonly eTag?: string | undefined;
  /** The job id, when already known (a held result records it). */
  readonly jobId?: string;
}

interface Context {
  readonly ports: ReleasePorts;
  /** Where failures are reported too; absent in a release, which sends the user's email only. */
  readonly adminEmail: string | undefined;
  readonly docs: JobDocuments;
  readonly invocation: Invocation;
  /** The result notified about, recorded with a held result so that the release can plan the same notification. */
  readonly result: ResultRef;
  /** Releasing a held result (releaseHeldResults): only a lock that was held is taken, only the user is emailed. */
  readonly release?: boolean;
}

/**
 * One created object: a mesh (users/{u}/output/{name}.ply), a failure document (…/{name}.failure.json or
 * rejected/{jobId}.failure.json) or SageMaker's failure record becomes exactly one email to the person who uploaded
 * that version, plus one to the admin for failures. Every document is read at the version its event or its job names.
 * Throws only for transient failures, so that Lambda retries; a retry sends only what is still missing.
 *
 * @example await notifyObject(parseCreatedObject(record), { data, mailer, config, clock }, invocation)
 */
export async function notifyObject(
  object: CreatedObject,
  ports: NotifyPorts,
  invocation: Invocation,
): Promise<NotifyOutcome> {
  return notifyIn({
    ports,
    adminEmail: ports.config.adminEmail,
    docs: new JobDocuments(ports.data, ports.clock),
    invocation,
    result: { key: object.key, versionId: object.versionId, eTag: object.eTag },
  });
}

async function notifyIn(context: Context): Promise<NotifyOutcome> {
  const { result: object, invocation } = context;
  try {
    const target = parseDataBucketKey(object.key);
    if (target.kind === 'output') return await notifyMesh(context, object, target);
    if (target.kind === 'failure' || (target.kind === 'rejected' && target.document === 'failure')) {
      return await notifyFailure(context, object, target);
    }
    if (target.kind === 'sagemaker-failure') return await notifySageMakerFailure(context, object, target);
    return { status: 'ignored', reason: `a ${target.kind} key does not trigger an email` };
  } catch (error) {
    if (!(error instanceof DocumentParseError || error instanceof InvalidKeyError)) throw error;
    invocation.log.warn({ reason: error.message }, 'record ignored: not a result, or unreadable');
    return { status: 'ignored', reason: error.message };
  }
}

async function notifyMesh(context: Context, object: ResultRef, target: OutputKey): Promise<NotifyOutcome> {
  const { ports, docs, invocation } = context;
  const mesh = await ports.data.head(target.key, object.versionId);
  if (!mesh) return { status: 'ignored', reason: `${object.key} disappeared before it could be read` };
  // The mesh's own metadata names its job and its report's version: a newer upload of the same name has its own.
  const named = docs.readMeshMetadata(mesh.metadata);
  const jobId =
    named.jobId && JOB_ID_PATTERN.test(named.jobId)
      ? parseJobId(named.jobId)
      : fallbackJobId(context, object);
  const read = await docs.readReport(buildReportKey(target), named.reportVersionId);
  let report: JobReport | undefined;
  if (read.ok && (named.reportVersionId !== undefined || read.report.jobId === jobId)) report = read.report;
  else
    invocation.log.warn(
      { jobId, problem: read.ok ? 'the report belongs to another job' : read.problem },
      'mesh email without its report',
    );
  const request = await readJobRequest(ports.data, { userId: target.userId, jobId });
  const upload: ObjectRef = request?.input ??
    report?.input ?? { bucket: ports.data.bucket, key: buildInputKey(target) };
  const lockKey = buildJobDocumentKey({ userId: target.userId, jobId, document: 'notify-lock' });
  return deliver(context, lockKey, jobId, [
    {
      id: 'user',
      email: async () => {
        const recipient = await recipientOf(ports, upload);
        if (!recipient) return undefined;
        if (!recipient.confirmed) return { hold: recipient.to, userId: recipient.userId };
        const { webUrl } = ports.config;
        // Through the web app when it can open this job (an upload of the web API carries its access token), so
        // the link lasts as long as the data; else a download link (see fileLink).
        const link =
          webUrl && recipient.access
            ? { url: jobLink(webUrl, jobId, recipient.access), expiresAt: undefined }
            : await fileLink(context, { key: target.key, versionId: object.versionId, jobId });
        const files = await extraFileLinks(context, target, report, jobId);
        const thumbnail = await readThumbnail(context, target, report);
        const retentionDays = ports.config.retentionDays;
        return {
          ...successEmail({
            name: target.name,
            report,
            meshBytes: mesh.size,
            link: link.url,
            expiresAt: link.expiresAt,
            files: files.map((f) => ({ format: f.format, url: f.url, bytes: f.bytes })),
            ...(files[0] ? { filesExpireAt: files[0].expiresAt } : {}),
            ...(thumbnail ? { thumbnail } : {}),
            ...(retentionDays !== undefined
              ? { keptUntil: keptUntil(endOf(report, ports.clock), retentionDays) }
              : {}),
          }),
          to: recipient.to,
        };
      },
    },
  ]);
}

/**
 * The email's link to one file of the job: with download links (ports.links), a Gen3D link the API redeems with a
 * fresh presigned URL, so it works until the date the email gives; without, a presigned URL, which stops working
 * when the credentials that signed it expire (decision 0038).
 */
async function fileLink(
  context: Context,
  file: { key: string; versionId: string | undefined; jobId: string },
): Promise<{ url: string; expiresAt: Date }> {
  const { links, config, clock, data } = context.ports;
  if (!links) return data.presignGet(file.key, config.linkExpirySeconds, file.versionId);
  const expiresAt = new Date(clock().getTime() + config.linkExpirySeconds * 1000);
  return { url: links.urlFor(file, expiresAt), expiresAt };
}

/**
 * Links to the mesh's other formats, each at the version the report names (the files were written before it, for
 * this job). Keys are rebuilt from the mesh's own key: a report naming any other key is not followed.
 */
async function extraFileLinks(
  context: Context,
  target: OutputKey,
  report: JobReport | undefined,
  jobId: string,
): Promise<{ format: MeshFormat; url: string; bytes: number; expiresAt: Date }[]> {
  const links = [];
  for (const file of report?.output.files ?? []) {
    if (file.format === 'ply') continue;
    const key = buildMeshFileKey(target, file.format);
    if (file.key !== key) {
      context.invocation.log.warn(
        { format: file.format },
        'the report names a file outside the job: not linked',
      );
      continue;
    }
    const link = await fileLink(context, { key, versionId: file.versionId, jobId });
    links.push({ format: file.format, url: link.url, bytes: file.bytes, expiresAt: link.expiresAt });
  }
  return links;
}

/** The largest thumbnail an email carries (the worker's are about 100 kB). */
const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

/**
 * The job's thumbnail at the version the report names, for the email to show. Missing, too large, not a PNG, or
 * named outside the job: the email goes out without it (logged), never fails for it.
 */
async function readThumbnail(
  context: Context,
  target: OutputKey,
  report: JobReport | undefined,
): Promise<Uint8Array | undefined> {
  const named = report?.output.images?.find((i) => i.image === 'thumbnail');
  if (!named) return undefined;
  const { log } = context.invocation;
  if (named.key !== buildResultImageKey(target, 'thumbnail')) {
    log.warn({ image: named.image }, 'the report names a picture outside the job: not shown');
    return undefined;
  }
  try {
    const bytes = await context.ports.data.get(named.key, MAX_THUMBNAIL_BYTES, named.versionId);
    if (isPng(bytes)) return bytes;
    log.warn({ bytes: bytes.length }, 'the thumbnail is not a PNG: not shown');
  } catch (error) {
    // Whatever the reason (gone, too large, refused, a bad version): the picture is decoration, the email is not.
    log.warn({ err: error }, 'the thumbnail cannot be read: the email goes without it');
  }
  return undefined;
}

/** When the job ended, as the job views count it too (jobEndedAt: its report's time; else now): the retention counts from it. */
function endOf(report: JobReport | undefined, clock: Clock): Date {
  const ended = jobEndedAt({ report });
  return ended !== undefined ? new Date(ended) : clock();
}

async function notifyFailure(
  context: Context,
  object: ResultRef,
  target: FailureKey | RejectedKey,
): Promise<NotifyOutcome> {
  // Exactly the version the event names: a second failure under the same name belongs to another upload.
  const failure = await context.docs.readFailure(object.key, object.versionId);
  if (!failure) return { status: 'ignored', reason: `${object.key} disappeared before it could be read` };
  const jobId = failure.jobId ?? (target.kind === 'rejected' ? target.jobId : fallbackJobId(context, object));
  const lockKey =
    target.kind === 'rejected'
      ? buildRejectedKey(target.jobId, 'notify-lock')
      : buildJobDocumentKey({ userId: target.userId, jobId, document: 'notify-lock' });
  return deliver(context, lockKey, jobId, failureDeliveries(context, failure));
}

/**
 * SageMaker's own failure record (S3FailurePath). When the container answered with a failure document, it is the
 * same job as the users/ failure document, and the shared lock makes it one notification. When the container never
 * answered (it crashed or ran out of memory, SageMaker's invocation timeout, a queued request that expired), the
 * inference id is the job id: the job index leads to the request (notifyFailedInSageMaker); a record leading to no
 * job reaches the admin only.
 */
async function notifySageMakerFailure(
  context: Context,
  object: ResultRef,
  target: SageMakerOutputKey,
): Promise<NotifyOutcome> {
  const { ports, docs } = context;
  const text = Buffer.from(await ports.data.get(object.key, MAX_RECORD_BYTES, object.versionId)).toString(
    'utf8',
  );
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
    return deliver(context, lockKey, failure.jobId, failureDeliveries(context, failure));
  }
  const request = JOB_ID_PATTERN.test(target.inferenceId)
    ? await docs.findRequest(parseJobId(target.inferenceId)).catch((error: unknown) => {
        // An unreadable index or request: the record still reaches the admin, below.
        if (error instanceof DocumentParseError || error instanceof InvalidKeyError) return undefined;
        throw error;
      })
    : undefined;
  if (!request) {
    const jobId = fallbackJobId(context, object);
    const email = sageMakerFailureEmail({ key: object.key, inferenceId: target.inferenceId, text });
    return deliverAdminNotice(
      context,
      object,
      jobId,
      adminDelivery(context, async () => email),
    );
  }
  return notifyFailedInSageMaker(context, object, request, text);
}

/**
 * A job SageMaker recorded as failed, with no failure document of the container's. The sidecar writes the PLY
 * before the `done` status, so the container may have stored the mesh and died or overrun after it, before or after
 * that status: whether the mesh is stored is read from the mesh itself (findStoredMesh). If it is, the job is done
 * (its status written so, if the sidecar could not), its mesh email is the user's one email, and the record is the
 * admin's business only. Else the status becomes failed, the uploader is told in plain words and the admin gets
 * SageMaker's text.
 */
async function notifyFailedInSageMaker(
  context: Context,
  object: ResultRef,
  request: InferenceRequest,
  text: string,
): Promise<NotifyOutcome> {
  const { ports, docs, invocation } = context;
  const type = classifySageMakerFailure(text);
  const document = buildFailureDocument({
    job: request,
    input: request.input,
    stage: 'inference',
    type,
    message: `SageMaker recorded a failure the container did not describe (${object.key}): ${text.slice(0, 2000)}`,
    at: ports.clock(),
  });
  const deliveries = failureDeliveries(context, document);
  const job = { ...request, name: parseInputKey(request.input.key).name };
  const warnUnwritten = (error: unknown) =>
    invocation.log.warn({ err: error }, 'could not write the job status');
  const current = await docs.readStatus(request).catch((error: unknown) => {
    if (error instanceof DocumentParseError) return undefined;
    throw error;
  });
  // A `done` status is written only after the mesh; any other state may be one the sidecar never got past.
  const mesh = current?.state === 'done' ? undefined : await findStoredMesh(docs, request);
  if (current?.state === 'done' || mesh) {
    // Nothing of the user's to release: their one email is the mesh's, under the job's notify lock.
    if (context.release) return { status: 'ignored', reason: "the mesh was stored: its email is the user's" };
    invocation.log.warn(
      { jobId: request.jobId },
      'SageMaker failure record after the mesh was stored: admin only',
    );
    if (mesh) await markDoneFromMesh(docs, job, mesh, current?.startedAt).catch(warnUnwritten);
    const admin = deliveries.filter((d) => d.id === 'admin');
    return deliverAdminNotice(context, object, request.jobId, admin);
  }
  if (!context.release) await docs.writeStatus(job, 'failed', { error: type }).catch(warnUnwritten);
  const lockKey = buildJobDocumentKey({
    userId: request.userId,
    jobId: request.jobId,
    document: 'notify-lock',
  });
  return deliver(context, lockKey, request.jobId, deliveries);
}

/**
 * A notice for the admin alone, under a lock of its own named after the record (rejected/{id}.notify.lock): the
 * job's notify lock is the user's notification, which an admin-only notice must neither use up nor be used up by.
 * A replay of the record finds its own lock finished and sends nothing more.
 */
function deliverAdminNotice(
  context: Context,
  record: ResultRef,
  jobId: string,
  admin: readonly Delivery[],
): Promise<NotifyOutcome> {
  return deliver(context, buildRejectedKey(fallbackJobId(context, record), 'notify-lock'), jobId, admin);
}

/** What SageMaker's failure text says happened, as a catalogue type the user's email can explain. */
export function classifySageMakerFailure(text: string): JobErrorType {
  // The container's own error answer (`{"error": {"type": …}}`, e.g. a request it refused) names its type.
  try {
    const named = JobErrorSchema.safeParse((JSON.parse(text) as { error?: unknown } | null)?.error);
    if (named.success) return named.data.type;
  } catch {
    // not JSON: SageMaker's own words
  }
  if (/expired|ttl/i.test(text)) return 'OverloadedError';
  if (/time(d)?[ -]?out/i.test(text)) return 'JobTimeoutError';
  return 'WorkerCrashedError';
}

function failureDeliveries(context: Context, failure: FailureDocument): Delivery[] {
  const { ports } = context;
  let recipient: Promise<string | undefined> | undefined;
  const to = () => (recipient ??= recipientOf(ports, failure.input).then((r) => r?.to));
  const name = displayName(failure.input.key);
  return [
    {
      id: 'user',
      email: async () => {
        // Read afresh each time: a held email is asked again once the address is confirmed.
        const recipient = await recipientOf(ports, failure.input);
        if (!recipient) return undefined;
        if (!recipient.confirmed) return { hold: recipient.to, userId: recipient.userId };
        return { ...userFailureEmail({ name, failure }), to: recipient.to };
      },
    },
    ...adminDelivery(context, async () =>
      adminFailureEmail({ failure, recipientKnown: (await to()) !== undefined }),
    ),
  ];
}

/** The admin's email of a failure; none in a release (the admin's went out when the result was held). */
function adminDelivery(context: Context, email: () => Promise<Omit<OutgoingEmail, 'to'>>): Delivery[] {
  const to = context.adminEmail;
  return to === undefined ? [] : [{ id: 'admin', email: async () => ({ ...(await email()), to }) }];
}

/**
 * Sends the deliveries of one notification exactly once across duplicate events and retries. The lock records what
 * went out and expires with this invocation's real deadline; a retry after it takes over and sends only the rest.
 *
 * A web upload's email to an address not confirmed yet is held, not dropped: the job is listed in the address's
 * record (compare-and-swap with the confirmation itself, so one of the two always sees the other) and the lock
 * says `held`. POST /confirm then releases it through this same function (releaseHeldResults). Should the address
 * be confirmed between the hold and the `held` lock, this invocation sees it afterwards and sends the email itself.
 */
async function deliver(
  context: Context,
  lockKey: string,
  jobId: string,
  deliveries: readonly Delivery[],
): Promise<NotifyOutcome> {
  const { ports, invocation } = context;
  const log = invocation.log.child({ jobId });
  const now = ports.clock();
  const current = await readLock(ports.data, lockKey);
  if (context.release) {
    // Only a notification that was held has nothing left but the user's email (releaseOne plans no admin's);
    // any other is the notify function's own to finish (it retries).
    if (current?.state === 'sent') return { status: 'duplicate', jobId };
    if (current && current.heldAt === undefined) {
      throw new LockBusyError(`${lockKey} is being notified by the pipeline`);
    }
  }
  const fresh: NotifyLock = {
    jobId,
    state: 'sending',
    startedAt: now.toISOString(),
    expiresAt: lockDeadline(now, invocation.remainingTimeMs()).toISOString(),
    done: [],
    // Kept by whoever takes a held lock over, so that a taker that dies leaves it releasable.
    ...(current?.heldAt !== undefined ? { heldAt: current.heldAt } : {}),
  };
  const lock = await acquireLock<NotifyLock>(ports.data, lockKey, fresh, {
    now,
    isFinished: (held) => held.state === 'sent',
  });
  if (!lock.acquired) {
    log.info('duplicate event: already notified');
    return { status: 'duplicate', jobId };
  }
  const done = [...(lock.previous?.done ?? [])];
  let heldAt = lock.previous?.heldAt ?? fresh.heldAt;
  if (lock.previous?.state === 'sending') {
    log.warn({ done }, 'took over a notification whose sender died; sending the rest');
  }
  let eTag = lock.eTag;
  const update = async (state: NotifyLock['state'], expiresAt = fresh.expiresAt) => {
    eTag = await updateLock(
      ports.data,
      lockKey,
      { ...fresh, state, done, expiresAt, ...(heldAt !== undefined ? { heldAt } : {}) },
      eTag,
    );
  };
  // Held meanwhile (between the read above and the takeover): say so at once.
  if (heldAt !== fresh.heldAt) await update('sending');
  let sent = 0;
  let heldFor: Hold | undefined;
  for (const delivery of deliveries) {
    if (done.includes(delivery.id)) continue;
    const outcome = await sendOne(context, delivery, jobId, now, log);
    if (typeof outcome === 'object') {
      heldFor = outcome;
      continue;
    }
    if (outcome === 'sent') sent += 1;
    done.push(delivery.id);
    await update('sending');
  }
  if (heldFor !== undefined) {
    heldAt ??= now.toISOString();
    await update('held', now.toISOString());
    log.info({ emails: sent, deliveries: done }, 'notification held until the address is confirmed');
    // Confirmed between the hold and now: the confirmation may have found this lock still 'sending' and left it.
    if (!context.release && (await isAddressConfirmed(ports.data, heldFor.hold, heldFor.userId))) {
      const released = await releaseOne(context, heldFor.hold);
      return released.status === 'sent' ? { ...released, emails: released.emails + sent } : released;
    }
    return { status: 'held', jobId, emails: sent };
  }
  await update('sent');
  log.info({ emails: sent, deliveries: done }, 'notification sent');
  return { status: 'sent', jobId, emails: sent };
}

/**
 * One delivery: its email sent (`sent`), none to send or refused for good by the provider (`none`), or held until
 * the address is confirmed (the Hold). Throws for transient mail errors: the notify function retries the rest.
 */
async function sendOne(
  context: Context,
  delivery: Delivery,
  jobId: string,
  now: Date,
  log: Logger,
): Promise<'sent' | 'none' | Hold> {
  const { ports } = context;
  let email = await delivery.email();
  if (email && 'hold' in email) {
    const entry: Omit<HeldResult, 'address'> = {
      jobId,
      key: context.result.key,
      ...(context.result.versionId !== undefined ? { versionId: context.result.versionId } : {}),
      heldAt: now.toISOString(),
      userId: email.userId,
    };
    if ((await holdResult(ports.data, email.hold, entry)) === 'held') {
      log.info({ delivery: delivery.id }, 'email held until the address is confirmed');
      return email;
    }
    email = await delivery.email(); // confirmed meanwhile
    if (email && 'hold' in email) throw new LockBusyError('the address changed while notifying');
  }
  if (!email) {
    log.warn({ delivery: delivery.id }, 'nobody to tell: no address given at upload');
    return 'none';
  }
  try {
    await ports.mailer.send(email);
    return 'sent';
  } catch (error) {
    if (!(error instanceof PermanentMailError)) throw error; // transient: Lambda retries the rest
    log.warn(
      { delivery: delivery.id, errorType: error.code },
      'the mail provider refused the email for good',
    );
    return 'none';
  }
}

/** The lock as last written, or undefined when there is none: one read (a GET of a missing key says so too). */
async function readLock(data: BucketStore, key: string): Promise<NotifyLock | undefined> {
  try {
    return JSON.parse(await data.getText(key, { maxBytes: 64 * 1024 })) as NotifyLock;
  } catch (error) {
    if (error instanceof ObjectMissingError) return undefined;
    throw error;
  }
}

/** What the web API may say about a job's email: held until its address is confirmed, sent, or not yet decided. */
export type NotifyState = 'held' | 'sent' | 'pending';

/** @example await notifyStateOf(data, { userId, jobId }) // 'held' */
export async function notifyStateOf(
  data: BucketStore,
  job: { readonly userId: string; readonly jobId: string },
): Promise<NotifyState> {
  const lock = await readLock(data, buildJobDocumentKey({ ...job, document: 'notify-lock' }));
  if (lock?.state === 'held' || lock?.state === 'sent') return lock.state;
  return 'pending';
}

/** The ports of a release: those of the notify core but the admin's address (only the user's email is left). */
export interface ReleasePorts {
  readonly data: BucketStore;
  readonly mailer: Mailer;
  /** `retentionDays` absent: the email does not say until when the files are kept. */
  readonly config: Pick<NotifyConfig, 'linkExpirySeconds' | 'webUrl'> &
    Partial<Pick<NotifyConfig, 'retentionDays'>>;
  readonly clock: Clock;
  readonly links?: DownloadLinks;
}

/** What a release did: emails sent now, held results already sent before, and those still to come. */
export interface ReleaseOutcome {
  readonly sent: number;
  readonly alreadySent: number;
  readonly pending: number;
}

/**
 * Sends the held results of one session to the address it confirmed (POST /confirm): only that session's results
 * for that exact address (a stranger's results queued for the same address stay held, and are never sent unless
 * the owner confirms the stranger's session too). Each goes out exactly once, composed and locked exactly as the
 * notify core does, so that a redelivered notify event and a second confirmation cannot send it again, and a
 * release that dies half-way is finished by the next one. A job whose lock someone else holds stays listed
 * (pending); sent ones leave the list. Throws only when the address record cannot be read or written.
 *
 * @example await releaseHeldResults({ address: 'ann@example.com', userId: 'w1' }, { data, mailer, config, clock }, invocation)
 */
export async function releaseHeldResults(
  confirmed: { readonly address: string; readonly userId: string },
  ports: ReleasePorts,
  invocation: Invocation,
): Promise<ReleaseOutcome> {
  const { address, userId } = confirmed;
  const record = await readAddressRecord(ports.data, address);
  const hash = addressHashOf(address);
  const mine = (record?.held ?? []).filter((h) => h.userId === userId && h.address === hash);
  if (!confirmsFor(record, address, userId)) return { sent: 0, alreadySent: 0, pending: mine.length };
  const docs = new JobDocuments(ports.data, ports.clock);
  let sent = 0;
  let alreadySent = 0;
  let pending = 0;
  for (const entry of mine) {
    const result = { key: entry.key, versionId: entry.versionId, jobId: entry.jobId };
    try {
      const outcome = await releaseOne({ ports, docs, invocation, result }, address);
      if (outcome.status === 'sent') sent += outcome.emails;
      if (outcome.status === 'duplicate') alreadySent += 1;
      if (outcome.status === 'held') pending += 1;
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      pending += 1;
      invocation.log.info({ jobId: entry.jobId }, 'held result being sent by someone else; left listed');
    }
  }
  return { sent, alreadySent, pending };
}

/**
 * One held result's email, sent under its notification lock (only a held lock is taken): the user's only, since the
 * admin's went out when the result was held.
 */
async function releaseOne(
  context: Omit<Context, 'release' | 'adminEmail'>,
  address: string,
): Promise<NotifyOutcome> {
  const outcome = await notifyIn({ ...context, adminEmail: undefined, release: true });
  // Sent now or before, or nothing left to send (the result is gone): no longer held.
  if (outcome.status !== 'held') {
    const { key, versionId } = context.result;
    await forgetHeldResults(context.ports.data, address, [{ key, versionId }]);
  }
  return outcome;
}

/**
 * Who to tell about exactly this upload version: the address given with it (x-amz-meta-email), if it is one, and
 * the upload's access token for the web app. An upload made through the public web API (it carries `access`) is
 * emailed only once its address was confirmed by the owner for that very session (`confirmed: false` until then:
 * the email is held, not dropped): whoever can upload must not choose a stranger as the recipient.
 * Uploads written with the bucket's own credentials (operators, the CLI) carry no token and are trusted.
 */
async function recipientOf(
  ports: ReleasePorts,
  upload: ObjectRef,
): Promise<{ to: string; userId: string; access?: string; confirmed: boolean } | undefined> {
  if (upload.bucket !== ports.data.bucket) return undefined;
  const info = await ports.data.head(upload.key, upload.versionId);
  const email = info?.metadata['email'];
  if (email === undefined) return undefined;
  let to: string | undefined;
  try {
    // Only the address is checked here: a bad option elsewhere in the metadata must not silence the user's email.
    to = parseUploadMetadata({ email }).email;
  } catch (error) {
    if (error instanceof DocumentParseError) return undefined;
    throw error;
  }
  if (to === undefined) return undefined;
  const access = info?.metadata['access'];
  // A web grant always names a key of its session; an unusable key has no session that could confirm it.
  const userId = userIdOf(upload.key);
  if (access === undefined) return { to, userId, confirmed: true };
  return { to, userId, access, confirmed: await isAddressConfirmed(ports.data, to, userId) };
}

function userIdOf(key: string): string {
  try {
    return parseInputKey(key).userId;
  } catch (error) {
    if (error instanceof InvalidKeyError) return '';
    throw error;
  }
}

/** The job id of a result whose documents name none: the one its held entry recorded, else one made from it. */
function fallbackJobId(context: Context, object: ResultRef): JobId {
  if (object.jobId !== undefined && JOB_ID_PATTERN.test(object.jobId)) return parseJobId(object.jobId);
  const identity = [context.ports.data.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join(
    '\n',
  );
  return parseJobId(createHash('sha256').update(identity).digest('hex').slice(0, 32));
}
