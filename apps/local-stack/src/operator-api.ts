import {
  BACKENDS,
  BoxSchema,
  FormatsSchema,
  PointsSchema,
  QUALITIES,
  ShapeSchema,
  TargetFacesSchema,
  uploadMetadataFor,
} from '@gen3d/events';
import { JobStillRunningError, operatorJobs, RetryRefusedError } from '@gen3d/jobs';
import type { BucketStore, FolderObjectStore } from '@gen3d/object-store';
import { buildInputKey, buildMaskKey, parseUserId, type UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import { HttpError } from './http-server';
import { redriveDeadLetters } from './redrive';

/** The routes the CLI uses on this machine (`/local/...`), answered from the data folder. */
export interface OperatorApi {
  handle(
    method: string,
    route: string,
    query: URLSearchParams,
    body: unknown,
  ): Promise<{ status: number; body: unknown }>;
}

export interface OperatorApiDeps {
  readonly data: BucketStore;
  /** The folder store under `data`: where a version's bytes lie on disk. */
  readonly store: FolderObjectStore;
  readonly maxUploadBytes: number;
  readonly linkExpirySeconds: number;
  /** The job id the extract handler gives an upload (the same function, imported, never re-derived here). */
  readonly jobIdOf: (upload: { bucket: string; key: string; versionId?: string; eTag?: string }) => string;
  /** How many days a job's files are kept after it ended (the views' keptUntil). */
  readonly retentionDays?: number;
  /** The durable queues' folder: POST /redrive sends what their dead/ folders hold through the pipeline again. */
  readonly queuesDir?: string;
}

const UploadRequestSchema = z.strictObject({
  userId: z.string(),
  name: z.string().min(1).max(200),
  email: z.email().max(254).optional(),
  quality: z.enum(QUALITIES).optional(),
  shape: ShapeSchema.optional(),
  backend: z.enum(BACKENDS).optional(),
  point: z.strictObject({ x: z.number().int().nonnegative(), y: z.number().int().nonnegative() }).optional(),
  mask: z.boolean().optional(),
  points: PointsSchema.optional(),
  box: BoxSchema.optional(),
  formats: FormatsSchema.optional(),
  targetFaces: TargetFacesSchema.optional(),
});

const RetryRequestSchema = z.strictObject({
  point: z.strictObject({ x: z.number().int().nonnegative(), y: z.number().int().nonnegative() }).optional(),
  points: PointsSchema.optional(),
  box: BoxSchema.optional(),
  shape: ShapeSchema.optional(),
});

/**
 * The operator's API: presigned POST forms for an upload (and its mask), a user's jobs, one job, its mesh link, a
 * job's retry and deletion, a user's files for an export. The same shape as the web API's GET /jobs and
 * GET /jobs/{jobId}, for a user the operator names.
 */
export function createOperatorApi(deps: OperatorApiDeps): OperatorApi {
  /** One user's jobs, each with a link to the files and pictures it made and where they lie in the data folder. */
  const jobsOf = (userId: UserId) =>
    operatorJobs(deps.data, userId, {
      seconds: deps.linkExpirySeconds,
      pathOf: (object) => deps.store.pathOf(deps.data.bucket, object.key, object.versionId),
      ...(deps.retentionDays !== undefined ? { retentionDays: deps.retentionDays } : {}),
    });

  return {
    async handle(method, route, query, body) {
      if (method === 'POST' && route === '/uploads')
        return { status: 200, body: await uploadForms(deps, body) };
      if (method === 'POST' && route === '/redrive') {
        if (deps.queuesDir === undefined) throw new HttpError(404, 'this stack has no queues to redrive');
        return { status: 200, body: { queues: await redriveDeadLetters(deps.queuesDir) } };
      }
      const userId = parseUserId(query.get('userId') ?? '');
      if (method === 'GET' && route === '/jobs/by-upload') {
        const versionId = query.get('versionId') ?? undefined;
        const eTag = query.get('eTag') ?? undefined;
        const key = query.get('key') ?? '';
        const jobId = deps.jobIdOf({
          bucket: deps.data.bucket,
          key,
          ...(versionId ? { versionId } : {}),
          ...(eTag ? { eTag: eTag.replace(/"/g, '') } : {}),
        });
        return { status: 200, body: { jobId, job: await jobsOf(userId).job(jobId) } };
      }
      if (method === 'GET' && route === '/jobs') {
        return { status: 200, body: { jobs: await jobsOf(userId).jobs() } };
      }
      if (method === 'GET' && route === '/export')
        return { status: 200, body: await exportList(deps, userId) };
      const match = /^\/jobs\/([^/]+)(\/retry)?$/.exec(route);
      const jobId = match?.[1] as string;
      if (method === 'GET' && match && !match[2]) {
        return { status: 200, body: known(await jobsOf(userId).job(jobId), userId, jobId) };
      }
      if (method === 'POST' && match?.[2])
        return {
          status: 202,
          body: await retry(jobsOf(userId), deps.maxUploadBytes, { userId, jobId }, body),
        };
      if (method === 'DELETE' && match && !match[2]) {
        return { status: 200, body: { jobId, deleted: await remove(jobsOf(userId), { userId, jobId }) } };
      }
      throw new HttpError(404, `no operator route ${method} ${route}`);
    },
  };
}

/** Presigned POST forms for an operator's upload (and its mask), with the job's options as metadata. */
async function uploadForms(deps: OperatorApiDeps, body: unknown) {
  const request = UploadRequestSchema.parse(body);
  const userId = parseUserId(request.userId);
  const key = buildInputKey({ userId, name: request.name });
  const { userId: _user, name: _name, email, mask: _mask, ...options } = request;
  const metadata: Record<string, string> = {
    ...(email ? { email } : {}),
    ...uploadMetadataFor(options),
  };
  const maskKey = request.mask ? buildMaskKey({ userId, name: request.name }) : undefined;
  if (maskKey) metadata['mask'] = maskKey;
  const form = (k: string, meta: Record<string, string>) =>
    deps.data.store.presignPost(deps.data.bucket, k, {
      contentType: 'image/png',
      minBytes: 1,
      maxBytes: deps.maxUploadBytes,
      metadata: meta,
      expiresInSeconds: 600,
    });
  return {
    bucket: deps.data.bucket,
    key,
    upload: await form(key, metadata),
    ...(maskKey ? { maskKey, maskUpload: await form(maskKey, {}) } : {}),
  };
}

/** What the operator asked for, or a 404 when the user has no such job. */
function known<T>(found: T | undefined, userId: string, jobId: string): T {
  if (found === undefined) throw new HttpError(404, `no job ${jobId} for user ${userId}`);
  return found;
}

/** A new job on the picture a job was made from, with new prompts: an operator's retry (see retryAsOperator). */
async function retry(
  jobs: ReturnType<typeof operatorJobs>,
  maxBytes: number,
  job: { userId: string; jobId: string },
  body: unknown,
) {
  const wanted = RetryRequestSchema.parse(body ?? {});
  try {
    return known(await jobs.retry(job.jobId, wanted, maxBytes), job.userId, job.jobId);
  } catch (error) {
    if (error instanceof RetryRefusedError) {
      throw new HttpError(error.reason === 'gone' ? 404 : 409, error.message);
    }
    throw error;
  }
}

/** Deletes a job's every stored version; 409 while it may still write (jobMayStillRun). */
async function remove(jobs: ReturnType<typeof operatorJobs>, job: { userId: string; jobId: string }) {
  try {
    return known(await jobs.remove(job.jobId), job.userId, job.jobId);
  } catch (error) {
    if (error instanceof JobStillRunningError) throw new HttpError(409, error.message);
    throw error;
  }
}

/** Every current file of one user (`users/{userId}/…`): its key, size and where it lies in the data folder. */
async function exportList(deps: OperatorApiDeps, userId: UserId) {
  const objects = await deps.data.list(`users/${userId}/`);
  const files = await Promise.all(
    objects.map(async (o) => ({
      key: o.key,
      bytes: o.size,
      path: await deps.store.pathOf(deps.data.bucket, o.key),
    })),
  );
  return { userId, files };
}
