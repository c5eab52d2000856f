import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JobView, MeshLink } from '@gen3d/events';
import {
  jobViewOf,
  listJobStatuses,
  notifyStateOf,
  readRetryOf,
  readStoredJob,
  storedFileOf,
} from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { MESH_FORMATS, parseUserId, type MeshFormat, type UserId } from '@gen3d/s3-keys';
import { confirm } from './confirmations';
import { ORIGIN_VERIFY_HEADER, type ApiContext, type ApiDeps } from './context';
import { spendBudget, userKeyOf, type UserRecord } from './documents';
import {
  ApiError,
  BadRequestError,
  BusyError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
} from './errors';
import { json, type ApiRequest, type ApiResponse } from './http';
import { downloadRoute } from './downloads';
import { deleteJob, findJob, imageLink, type Who } from './job-routes';
import { retryJob } from './retry';
import { createUpload } from './uploads';

export type { ApiDeps, UploadSigner } from './context';
export type { ApiRequest, ApiResponse } from './http';

const MAX_LISTED_JOBS = 50;
const MAX_BODY_BYTES = 16 * 1024;

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
      if (
        deps.originSecret !== undefined &&
        !sameSecret(request.headers[ORIGIN_VERIFY_HEADER], deps.originSecret)
      ) {
        throw new ForbiddenError('not-through-cloudfront', 'Use the web app’s address for the API.');
      }
      const response = await route(request, { deps: { ...deps, random }, log });
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

type Deps = ApiContext['deps'];

async function route(request: ApiRequest, context: ApiContext): Promise<ApiResponse> {
  const { deps } = context;
  const segments = request.path.split('/').filter((s) => s !== '');
  const method = request.method.toUpperCase();
  const [first] = segments;
  if (segments.length === 1 && first === 'session' && method === 'POST') return createSession(deps);
  if (segments.length === 1 && first === 'uploads' && method === 'POST') {
    return createUpload(context, bodyOf(request), sessionOf(request, deps));
  }
  if (segments.length === 1 && first === 'confirm' && method === 'POST') {
    return confirm(context, bodyOf(request));
  }
  if (segments.length === 2 && first === 'downloads' && method === 'GET') {
    return downloadRoute(context, segments[1] as string);
  }
  if (first === 'jobs') {
    const answer = await jobRoute(request, context, method, segments.slice(1));
    if (answer) return answer;
  }
  throw new NotFoundError('no-route', `no ${method} ${request.path}`);
}

/** The routes under /jobs: a listing, one job, its mesh and pictures (a session or an email link); retry, delete. */
async function jobRoute(
  request: ApiRequest,
  context: ApiContext,
  method: string,
  [jobId, what, ...rest]: string[],
): Promise<ApiResponse | undefined> {
  const { deps, log } = context;
  if (rest.length > 0) return undefined;
  if (method === 'GET' && jobId === undefined) return listJobs(request, context, sessionOf(request, deps));
  if (jobId === undefined) return undefined;
  if (method === 'GET' && what === undefined) {
    return json(200, { job: await jobView(deps, whoMaySee(request, deps), jobId) });
  }
  if (method === 'GET' && what === 'mesh') {
    return meshLink(deps, whoMaySee(request, deps), jobId, request.query['format'] ?? 'ply', log);
  }
  if (method === 'GET' && what === 'image') {
    return imageLink(context, whoMaySee(request, deps), jobId, request.query['kind']);
  }
  if (method === 'POST' && what === 'retry') {
    return retryJob(context, bodyOf(request), sessionOf(request, deps), jobId);
  }
  if (method === 'DELETE' && what === undefined) return deleteJob(context, sessionOf(request, deps), jobId);
  return undefined;
}

/** POST /session: a new user, within the hourly budget of new sessions of all callers together. */
async function createSession(deps: Deps): Promise<ApiResponse> {
  const now = deps.now();
  const allowed = await spendBudget(
    deps.data,
    [{ what: 'sessions', per: 'hour', limit: deps.config.sessionsPerHour }],
    now,
  );
  if (!allowed) {
    throw new RateLimitedError(
      'too-many-sessions',
      'Too many new sessions right now; please try again later.',
      300,
    );
  }
  // 'w' + 20 base64url characters (120 random bits): starts with a letter, fits the user id pattern.
  const userId = parseUserId(`w${deps.random(15).toString('base64url')}`);
  const token = deps.tokens.sign({ k: 's', u: userId });
  const record: UserRecord = { version: 1, createdAt: now.toISOString(), grants: [], asked: [] };
  await deps.data.putJson(userKeyOf(userId), record, { ifNoneMatch: '*' });
  return json(201, { userId, token });
}

/** The session of `Authorization: Bearer <token>` (the scheme in any case, as RFC 9110 says). */
function sessionOf(request: ApiRequest, deps: Deps): UserId {
  const header = (request.headers['authorization'] ?? '').trim();
  const match = /^bearer +(\S+)$/i.exec(header);
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

async function listJobs(request: ApiRequest, context: ApiContext, userId: UserId): Promise<ApiResponse> {
  const { deps, log } = context;
  const name = request.query['name'];
  const statuses = (
    await listJobStatuses(deps.data, userId, {
      max: MAX_LISTED_JOBS,
      onUnreadable: (key) => log.warn({ key }, 'an unreadable job status was skipped'),
    })
  ).filter((s) => name === undefined || s.name === name);
  const options = { retentionDays: deps.config.retentionDays };
  return json(200, { jobs: statuses.map((status) => jobViewOf({ status }, options)) });
}

/**
 * One job as GET /jobs/{id} shows it: once it ended, with what it made, the job it re-ran, if any, and its email.
 * The page polls it: a running job costs the status alone; an ended one two chains of reads side by side (its files,
 * report and upload; its email's lock).
 */
async function jobView(deps: Deps, who: Who, jobId: string): Promise<JobView> {
  const status = await findJob(deps, who, jobId);
  const options = { retentionDays: deps.config.retentionDays };
  if (status.state !== 'done' && status.state !== 'failed') return jobViewOf({ status }, options);
  const [made, state] = await Promise.all([
    readStoredJob(deps.data, status).then(async (job) => ({
      job,
      retryOf: await readRetryOf(deps.data, job),
    })),
    notifyStateOf(deps.data, { userId: who.userId, jobId: status.jobId }),
  ]);
  return {
    ...jobViewOf(made.job, options),
    ...(made.retryOf ? { retryOf: made.retryOf } : {}),
    ...(state === 'pending' ? {} : { email: state }),
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
  const job = await readStoredJob(deps.data, status);
  if (job.files.length === 0)
    throw new NotFoundError('mesh-gone', 'The mesh of this job is no longer stored.');
  const file = storedFileOf(job, format as MeshFormat);
  if (!file) throw new NotFoundError('no-such-format', `This job made no ${format.toUpperCase()} file.`);
  const link = await deps.data.presignGet(file.key, deps.config.meshLinkSeconds, file.versionId);
  log.child({ jobId }).info({ format }, 'mesh link issued');
  return json(200, {
    url: link.url,
    expiresAt: link.expiresAt.toISOString(),
    fileName: `${status.name}.${format}`,
    bytes: file.bytes,
  } satisfies MeshLink);
}

function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
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
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof BusyError) return 503;
  return 500;
}

/**
 * A route's name for logs: ids replaced, so that no job id or token lands in the route field.
 *
 * @example routeName('/downloads/eyJr….sig') // '/downloads/:id'
 */
export function routeName(path: string): string {
  return path
    .split('/')
    .map((segment, index) => (index === 2 && segment !== '' ? ':id' : segment))
    .join('/');
}
