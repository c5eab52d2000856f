import { randomBytes } from 'node:crypto';
import {
  BoxSchema,
  DocumentParseError,
  FormatsSchema,
  jsonParserFor,
  parseJobStatusJson,
  PointsSchema,
  QUALITIES,
  TargetFacesSchema,
  uploadMetadataFor,
  type JobReport,
  type JobStatus,
  type JobView,
  type MeshLink,
  type UploadGrant,
} from '@gen3d/events';
import {
  addressKeyOf,
  JobDocuments,
  normaliseAddress,
  notifyStateOf,
  parseAddressRecordJson,
  releaseHeldResults,
  type AddressRecord,
} from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import type { BucketStore, PresignedPost, PresignPostOptions } from '@gen3d/object-store';
import {
  buildInputKey,
  buildJobDocumentKey,
  buildMeshFileKey,
  buildOutputKey,
  buildReportKey,
  InvalidKeyError,
  JOB_ID_PATTERN,
  MESH_FORMATS,
  parseJobDocumentKey,
  parseUserId,
  userJobsPrefix,
  type MeshFormat,
  type UserId,
} from '@gen3d/s3-keys';
import { z } from 'zod';
import { confirmationLink, type ApiConfig } from './config';
import {
  emptyAddressRecord,
  parseUserRecordJson,
  readDocument,
  updateDocument,
  userKeyOf,
  type UserRecord,
} from './documents';
import { confirmationEmail, type OutgoingEmail } from './emails';
import {
  ApiError,
  BadRequestError,
  BusyError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
} from './errors';
import type { TokenSigner } from './tokens';

/** A request as the core sees it: what every HTTP front (Lambda function URL, the local stack) reduces to. */
export interface ApiRequest {
  readonly method: string;
  /** The path below the API's mount point, e.g. `/jobs/0123456789abcdef`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The upload signer port: a presigned POST whose policy fixes the key, type, size range and metadata. */
export type UploadSigner = (
  key: string,
  options: PresignPostOptions & { readonly metadata: Record<string, string> },
) => Promise<PresignedPost>;

export interface ApiDeps {
  /** The data bucket. */
  readonly data: BucketStore;
  readonly signUpload: UploadSigner;
  readonly tokens: TokenSigner;
  readonly sendEmail: (email: OutgoingEmail) => Promise<string | undefined>;
  readonly now: () => Date;
  readonly log: Logger;
  readonly config: ApiConfig;
  /** Random bytes (user ids, upload names); crypto's by default. */
  readonly random?: (bytes: number) => Buffer;
}

/** What the API tells the browser about a job. `state` is the status document's. */

/** A job still queued or running after this long is stuck, not active: it no longer counts against the quota. */
export const STUCK_JOB_MS = 60 * 60 * 1000;
/** A confirmation email is not sent again within this time. */
export const CONFIRMATION_RESEND_MS = 10 * 60 * 1000;
export const CONFIRMATION_VALID_SECONDS = 7 * 24 * 3600;
const MAX_LISTED_JOBS = 50;
const MAX_GRANTS_KEPT = 50;
const MAX_BODY_BYTES = 16 * 1024;

const UploadRequestSchema = z.strictObject({
  fileName: z.string().min(1).max(1000),
  size: z.number().int().nonnegative(),
  email: z.string().trim().pipe(z.email().max(254)),
  point: z
    .strictObject({ x: z.number().int().min(0).max(99_999), y: z.number().int().min(0).max(99_999) })
    .optional(),
  quality: z.enum(QUALITIES).optional(),
  /** Prompts and outputs of issue 12, as the job options name them; written as upload metadata by libs/events. */
  points: PointsSchema.optional(),
  box: BoxSchema.optional(),
  formats: FormatsSchema.optional(),
  targetFaces: TargetFacesSchema.optional(),
});
const parseUploadRequest = jsonParserFor('upload request', UploadRequestSchema);
const parseConfirmRequest = jsonParserFor('confirmation request', z.strictObject({ token: z.string() }));

type Who = { readonly userId: UserId; readonly onlyName?: string };

/**
 * The API: plain request in, response out. Every effect goes through `deps` (store, upload signer, tokens,
 * mailer, clock), so that the Lambda entry point and the local stack run the very same code.
 *
 * @example const handle = createApiHandler(deps); await handle({ method: 'POST', path: '/session', query: {}, headers: {} })
 */
export function createApiHandler(deps: ApiDeps): (request: ApiRequest) => Promise<ApiResponse> {
  const random = deps.random ?? randomBytes;
  return async (request) => {
    const started = Date.now();
    const log = deps.log.child({ method: request.method, route: routeName(request.path) });
    try {
      const response = await route(request, { ...deps, random }, log);
      log.info({ status: response.status, ms: Date.now() - started }, 'api request');
      return response;
    } catch (error) {
      if (error instanceof ApiError) {
        const status = statusOf(error);
        log.info({ status, code: error.code, ms: Date.now() - started }, 'api request refused');
        return json(
          status,
          { error: { code: error.code, message: error.message } },
          error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : {},
        );
      }
      log.error({ err: error, ms: Date.now() - started }, 'api request failed');
      return json(500, { error: { code: 'internal', message: 'Something went wrong on our side.' } });
    }
  };
}

type Deps = ApiDeps & { readonly random: (bytes: number) => Buffer };

async function route(request: ApiRequest, deps: Deps, log: Logger): Promise<ApiResponse> {
  const segments = request.path.split('/').filter((s) => s !== '');
  const method = request.method.toUpperCase();
  const [first, second, third] = segments;
  if (segments.length === 1 && first === 'session' && method === 'POST') return createSession(deps);
  if (segments.length === 1 && first === 'uploads' && method === 'POST') {
    return createUpload(request, deps, sessionOf(request, deps), log);
  }
  if (segments.length === 1 && first === 'confirm' && method === 'POST') return confirm(request, deps, log);
  if (first === 'jobs' && method === 'GET') {
    if (segments.length === 1) return listJobs(request, deps, sessionOf(request, deps));
    if (second !== undefined && segments.length === 2) {
      return json(200, { job: await jobView(deps, whoMaySee(request, deps), second, true) });
    }
    if (second !== undefined && third === 'mesh' && segments.length === 3) {
      return meshLink(deps, whoMaySee(request, deps), second, request.query['format'] ?? 'ply', log);
    }
  }
  throw new NotFoundError('no-route', `no ${method} ${request.path}`);
}

function createSession(deps: Deps): Promise<ApiResponse> {
  // 'w' + 20 base64url characters (120 random bits): starts with a letter, fits the user id pattern.
  const userId = parseUserId(`w${deps.random(15).toString('base64url')}`);
  const token = deps.tokens.sign({ k: 's', u: userId });
  const record: UserRecord = { version: 1, createdAt: deps.now().toISOString(), grants: [] };
  return deps.data
    .putJson(userKeyOf(userId), record, { ifNoneMatch: '*' })
    .then(() => json(201, { userId, token }));
}

function sessionOf(request: ApiRequest, deps: Deps): UserId {
  const header = request.headers['authorization'] ?? '';
  const match = /^Bearer (\S+)$/.exec(header);
  const claims = match ? deps.tokens.verify(match[1] as string) : undefined;
  if (claims?.k !== 's') {
    throw new UnauthorizedError('no-session', 'A valid session token is needed (Authorization: Bearer …).');
  }
  return claims.u as UserId;
}

/** A session sees all its user's jobs; an email link's access token sees its one upload (by name). */
function whoMaySee(request: ApiRequest, deps: Deps): Who {
  const access = request.headers['x-gen3d-access'];
  if (access !== undefined && request.headers['authorization'] === undefined) {
    const claims = deps.tokens.verify(access);
    if (claims?.k !== 'a') throw new UnauthorizedError('bad-access', 'This link is not valid.');
    return { userId: claims.u as UserId, onlyName: claims.n };
  }
  return { userId: sessionOf(request, deps) };
}

async function readStatus(deps: Deps, userId: UserId, jobId: string): Promise<JobStatus | undefined> {
  if (!JOB_ID_PATTERN.test(jobId)) return undefined;
  const key = buildJobDocumentKey({ userId, jobId, document: 'status' });
  const info = await deps.data.head(key);
  if (!info) return undefined;
  try {
    return parseJobStatusJson(await deps.data.getText(key));
  } catch (error) {
    if (error instanceof DocumentParseError) return undefined;
    throw error;
  }
}

/** The status documents of a user's jobs, newest first. */
async function statusesOf(deps: Deps, userId: UserId): Promise<JobStatus[]> {
  const listed = await deps.data.list(userJobsPrefix(userId));
  const statusKeys = listed
    .filter((entry) => {
      try {
        return parseJobDocumentKey(entry.key).document === 'status';
      } catch (error) {
        if (error instanceof InvalidKeyError) return false;
        throw error;
      }
    })
    .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))
    .slice(0, MAX_LISTED_JOBS);
  const statuses = await Promise.all(
    statusKeys.map((entry) => readStatus(deps, userId, parseJobDocumentKey(entry.key).jobId)),
  );
  return statuses
    .filter((s): s is JobStatus => s !== undefined)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

function viewOf(status: JobStatus, report?: JobReport): JobView {
  return {
    jobId: status.jobId,
    name: status.name,
    state: status.state,
    queuedAt: status.queuedAt,
    ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
    updatedAt: status.updatedAt,
    ...(status.error ? { error: { code: status.error.code, reason: status.error.reason } } : {}),
    ...(status.mesh
      ? {
          mesh: {
            vertices: status.mesh.vertices,
            faces: status.mesh.faces,
            watertight: status.mesh.watertight,
          },
        }
      : {}),
    ...(report
      ? {
          method: report.worker.method,
          backend: report.worker.backend,
          mesh: {
            vertices: report.worker.mesh.vertices,
            faces: report.worker.mesh.faces,
            watertight: report.worker.mesh.watertight,
          },
          timingsMs: report.timingsMs,
          formats: report.output.files?.map((f) => f.format) ?? ['ply'],
        }
      : {}),
  };
}

async function listJobs(request: ApiRequest, deps: Deps, userId: UserId): Promise<ApiResponse> {
  const name = request.query['name'];
  const statuses = (await statusesOf(deps, userId)).filter((s) => name === undefined || s.name === name);
  return json(200, { jobs: statuses.map((s) => viewOf(s)) });
}

async function findJob(deps: Deps, who: Who, jobId: string): Promise<JobStatus> {
  const status = await readStatus(deps, who.userId, jobId);
  // Another user's job, an unknown id and a job outside an access token's one upload all read the same: 404.
  if (
    !status ||
    status.userId !== who.userId ||
    (who.onlyName !== undefined && status.name !== who.onlyName)
  ) {
    throw new NotFoundError('no-such-job', 'There is no such job.');
  }
  return status;
}

/** The mesh of a finished job and what its metadata says (the sidecar names its job and report version there). */
async function meshOf(deps: Deps, who: Who, status: JobStatus) {
  const key = status.meshKey ?? buildOutputKey({ userId: who.userId, name: status.name });
  const info = await deps.data.head(key);
  if (!info) return undefined;
  const named = new JobDocuments(deps.data, deps.now).readMeshMetadata(info.metadata);
  // A mesh another upload wrote under the same name is not this job's (names are unique per upload; be sure).
  if (named.jobId !== undefined && named.jobId !== status.jobId) return undefined;
  return { key, info, reportVersionId: named.reportVersionId };
}

async function jobView(deps: Deps, who: Who, jobId: string, withReport: boolean): Promise<JobView> {
  const status = await findJob(deps, who, jobId);
  if (!withReport || (status.state !== 'done' && status.state !== 'failed')) return viewOf(status);
  const state = await notifyStateOf(deps.data, { userId: who.userId, jobId: status.jobId });
  const email = state === 'pending' ? {} : { email: state };
  if (status.state !== 'done') return { ...viewOf(status), ...email };
  const mesh = await meshOf(deps, who, status);
  if (!mesh) return { ...viewOf(status), ...email };
  const read = await new JobDocuments(deps.data, deps.now).readReport(
    buildReportKey({ userId: who.userId, name: status.name }),
    mesh.reportVersionId,
  );
  return {
    ...viewOf(status, read.ok && read.report.jobId === status.jobId ? read.report : undefined),
    ...email,
  };
}

async function meshLink(
  deps: Deps,
  who: Who,
  jobId: string,
  format: string,
  log: Logger,
): Promise<ApiResponse> {
  if (!(MESH_FORMATS as readonly string[]).includes(format)) {
    throw new BadRequestError('bad-format', `The format must be one of ${MESH_FORMATS.join(', ')}.`);
  }
  const status = await findJob(deps, who, jobId);
  if (status.state !== 'done') {
    throw new ConflictError('not-ready', 'This job has no mesh (yet).');
  }
  const mesh = await meshOf(deps, who, status);
  if (!mesh) throw new NotFoundError('mesh-gone', 'The mesh of this job is no longer stored.');
  let file = { key: mesh.key, versionId: mesh.info.versionId, bytes: mesh.info.size };
  if (format !== 'ply') {
    // The other formats, at the versions the job's report names (written before it, by this job).
    const read = await new JobDocuments(deps.data, deps.now).readReport(
      buildReportKey({ userId: who.userId, name: status.name }),
      mesh.reportVersionId,
    );
    const made = read.ok && read.report.jobId === status.jobId ? (read.report.output.files ?? []) : [];
    const key = buildMeshFileKey({ userId: who.userId, name: status.name }, format as MeshFormat);
    const found = made.find((f) => f.format === format && f.key === key);
    if (!found) {
      throw new NotFoundError('no-such-format', `This job made no ${format.toUpperCase()} file.`);
    }
    file = { key, versionId: found.versionId, bytes: found.bytes };
  }
  const link = await deps.data.presignGet(file.key, deps.config.meshLinkSeconds, file.versionId);
  log.child({ jobId }).info({ format }, 'mesh link issued');
  return json(200, {
    url: link.url,
    expiresAt: link.expiresAt.toISOString(),
    fileName: `${status.name}.${format}`,
    bytes: file.bytes,
  } satisfies MeshLink);
}

// C0/C1 controls, separators, and bidi/line-separator characters: s3-keys refuses them in names.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[/\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The stored name of an upload: what the user called the file (cleaned, at most 120 characters) plus a random
 * suffix, so that every upload is its own job and an email link opens exactly that one.
 *
 * @example uploadNameFor('Chaise café.PNG', 'k3f9q2') // 'Chaise café-k3f9q2'
 */
export function uploadNameFor(fileName: string, suffix: string): string {
  const stem = fileName
    .normalize('NFC')
    .replace(/\.png$/i, '')
    .replace(UNSAFE_IN_NAME, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const short = [...stem].slice(0, 120).join('').trim();
  const name = `${short === '' || short === '.' || short === '..' ? 'picture' : short}-${suffix}`;
  try {
    buildInputKey({ userId: 'u', name });
    return name;
  } catch (error) {
    if (error instanceof InvalidKeyError) return `picture-${suffix}`;
    throw error;
  }
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function secondsToNextUtcDay(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

async function createUpload(
  request: ApiRequest,
  deps: Deps,
  userId: UserId,
  log: Logger,
): Promise<ApiResponse> {
  const body = bodyOf(request);
  let upload: z.output<typeof UploadRequestSchema>;
  try {
    upload = parseUploadRequest(body);
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-upload', error.message);
    throw error;
  }
  const { config } = deps;
  if (!/\.png$/i.test(upload.fileName)) {
    throw new BadRequestError('not-png', 'Only PNG pictures can be uploaded.');
  }
  if (upload.size === 0) throw new BadRequestError('empty', 'The file is empty.');
  if (upload.size > config.maxUploadBytes) {
    throw new BadRequestError(
      'too-large',
      `The file is larger than ${Math.floor(config.maxUploadBytes / 1024 / 1024)} MB.`,
    );
  }
  const now = deps.now();
  const userKey = userKeyOf(userId);

  // 1. The user's quota of active jobs (read-only here; checked again inside the write below).
  const statuses = await statusesOf(deps, userId);
  const activeJobs = statuses.filter(
    (s) =>
      (s.state === 'queued' || s.state === 'reconstructing') &&
      now.getTime() - Date.parse(s.updatedAt) < STUCK_JOB_MS,
  ).length;
  const knownNames = new Set(statuses.map((s) => s.name));
  const grantLifeMs = (config.uploadExpirySeconds + 120) * 1000;
  const pendingGrants = (record: UserRecord) =>
    record.grants.filter(
      (g) => !knownNames.has(g.name) && now.getTime() - Date.parse(g.grantedAt) < grantLifeMs,
    );
  const checkQuota = (record: UserRecord) => {
    if (activeJobs + pendingGrants(record).length >= config.maxActiveJobsPerUser) {
      throw new RateLimitedError(
        'too-many-jobs',
        `You already have ${config.maxActiveJobsPerUser} pictures in progress. Please wait until one is done.`,
        30,
      );
    }
  };
  const existing = await readDocument(deps.data, userKey, parseUserRecordJson);
  if (!existing) throw new UnauthorizedError('no-session', 'This session is unknown here; start a new one.');
  checkQuota(existing.value);

  // 2. The address's daily cap, and whether it needs (another) confirmation email.
  const today = utcDay(now);
  let sendConfirmation = false;
  const address = await updateDocument<AddressRecord>(
    deps.data,
    addressKeyOf(upload.email),
    parseAddressRecordJson,
    emptyAddressRecord,
    (current) => {
      const count = current.uploadsPerDay[today] ?? 0;
      if (count >= config.addressDailyCap) {
        throw new RateLimitedError(
          'address-daily-cap',
          `This email address has reached its ${config.addressDailyCap} pictures for today.`,
          secondsToNextUtcDay(now),
        );
      }
      const recentSends = current.confirmationsSent.filter(
        (sent) => now.getTime() - Date.parse(sent) < 24 * 3600 * 1000,
      );
      const lastSent =
        recentSends.length > 0 ? Math.max(...recentSends.map((s) => Date.parse(s))) : undefined;
      sendConfirmation =
        current.confirmedAt === undefined &&
        recentSends.length < config.confirmationEmailsPerDay &&
        (lastSent === undefined || now.getTime() - lastSent >= CONFIRMATION_RESEND_MS);
      const keptDays = Object.entries(current.uploadsPerDay).filter(
        ([d]) => now.getTime() - Date.parse(`${d}T00:00:00Z`) < 3 * 24 * 3600 * 1000,
      );
      return {
        ...current,
        confirmationsSent: sendConfirmation ? [...recentSends, now.toISOString()] : recentSends,
        uploadsPerDay: { ...Object.fromEntries(keptDays), [today]: count + 1 },
      };
    },
  );

  // 3. The grant itself, recorded for the quota (compare-and-swap: two tabs cannot both take the last slot).
  const name = uploadNameFor(upload.fileName, deps.random(6).toString('hex').slice(0, 8));
  await updateDocument<UserRecord>(
    deps.data,
    userKey,
    parseUserRecordJson,
    () => existing.value,
    (current) => {
      checkQuota(current);
      return {
        ...current,
        grants: [...pendingGrants(current), { name, grantedAt: now.toISOString() }].slice(-MAX_GRANTS_KEPT),
      };
    },
  );

  let confirmation: 'not-needed' | 'sent' | 'pending' | 'failed' =
    address.confirmedAt !== undefined ? 'not-needed' : 'pending';
  if (sendConfirmation) {
    const expiresAt = new Date(now.getTime() + CONFIRMATION_VALID_SECONDS * 1000);
    const token = deps.tokens.sign({
      k: 'c',
      a: normaliseAddress(upload.email),
      exp: Math.floor(expiresAt.getTime() / 1000),
    });
    try {
      await deps.sendEmail(
        confirmationEmail({
          to: upload.email.trim(),
          link: confirmationLink(config.webUrl, token),
          expiresAt,
        }),
      );
      confirmation = 'sent';
    } catch (error) {
      log.warn({ errorType: (error as Error).name }, 'the confirmation email could not be sent');
      confirmation = 'failed';
      // It did not go out: the next upload may try again at once.
      const sentAt = now.toISOString();
      await updateDocument<AddressRecord>(
        deps.data,
        addressKeyOf(upload.email),
        parseAddressRecordJson,
        emptyAddressRecord,
        (current) => ({
          ...current,
          confirmationsSent: current.confirmationsSent.filter((t) => t !== sentAt),
        }),
      );
    }
  }

  const key = buildInputKey({ userId, name });
  const metadata: Record<string, string> = {
    email: upload.email.trim(),
    ...uploadMetadataFor({
      quality: upload.quality ?? 'standard',
      ...(upload.point ? { point: upload.point } : {}),
      ...(upload.points ? { points: upload.points } : {}),
      ...(upload.box ? { box: upload.box } : {}),
      ...(upload.formats ? { formats: upload.formats } : {}),
      ...(upload.targetFaces !== undefined ? { targetFaces: upload.targetFaces } : {}),
    }),
    access: deps.tokens.sign({ k: 'a', u: userId, n: name }),
  };
  const post = await deps.signUpload(key, {
    contentType: 'image/png',
    minBytes: 1,
    maxBytes: config.maxUploadBytes,
    metadata,
    expiresInSeconds: config.uploadExpirySeconds,
  });
  log.info({ confirmation }, 'upload granted');
  return json(201, {
    name,
    key,
    upload: { url: post.url, fields: post.fields, expiresAt: post.expiresAt.toISOString() },
    address: { confirmed: address.confirmedAt !== undefined, confirmation },
  } satisfies UploadGrant);
}

async function confirm(request: ApiRequest, deps: Deps, log: Logger): Promise<ApiResponse> {
  let token: string;
  try {
    token = parseConfirmRequest(bodyOf(request)).token;
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-confirmation', error.message);
    throw error;
  }
  const claims = deps.tokens.verify(token);
  if (claims?.k !== 'c')
    throw new BadRequestError('bad-confirmation', 'This confirmation link is not valid.');
  const now = deps.now();
  if (claims.exp * 1000 < now.getTime()) {
    throw new BadRequestError(
      'confirmation-expired',
      'This confirmation link has expired; upload again to get a new one.',
    );
  }
  await updateDocument<AddressRecord>(
    deps.data,
    addressKeyOf(claims.a),
    parseAddressRecordJson,
    emptyAddressRecord,
    (current) => ({ ...current, confirmedAt: current.confirmedAt ?? now.toISOString() }),
  );
  // Results that finished before this confirmation were held, not dropped: each is emailed now, exactly once (the
  // notify core's composition and lock). Confirming again finishes what a failed attempt left.
  const started = Date.now();
  let released;
  try {
    released = await releaseHeldResults(
      claims.a,
      {
        data: deps.data,
        mailer: { send: deps.sendEmail },
        config: { webUrl: deps.config.webUrl, linkExpirySeconds: deps.config.linkExpirySeconds },
        clock: deps.now,
      },
      { log, remainingTimeMs: () => deps.config.requestTimeoutMs - (Date.now() - started) },
    );
  } catch (error) {
    log.warn({ err: error }, 'held results could not all be emailed');
    throw new BusyError(
      'results-not-sent',
      'Your address is confirmed, but finished results could not all be emailed yet. Open the link again in a minute.',
    );
  }
  log.info({ ...released }, 'address confirmed');
  return json(200, { confirmed: true, results: { emailed: released.sent, waiting: released.pending } });
}

function bodyOf(request: ApiRequest): string {
  const body = request.body ?? '';
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    throw new BadRequestError('too-large', 'The request is too large.');
  return body;
}

function statusOf(error: ApiError): number {
  if (error instanceof BadRequestError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof BusyError) return 503;
  return 500;
}

/** A route's name for logs: ids replaced, so that no job id or token lands in the route field. */
function routeName(path: string): string {
  return path
    .split('/')
    .map((segment, index) => (index === 2 && segment !== '' ? ':id' : segment))
    .join('/');
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}
