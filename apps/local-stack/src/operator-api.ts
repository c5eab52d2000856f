import {
  BACKENDS,
  BoxSchema,
  FormatsSchema,
  PointsSchema,
  QUALITIES,
  ShapeSchema,
  TargetFacesSchema,
  uploadMetadataFor,
  type JobStatus,
} from '@gen3d/events';
import { linkStoredJob, listJobStatuses, readJobStatus, readStoredJob, type LinkedJob } from '@gen3d/jobs';
import type { BucketStore, FolderObjectStore } from '@gen3d/object-store';
import { buildInputKey, buildMaskKey, parseUserId, type UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import { HttpError } from './http-server';

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

/**
 * The operator's API: presigned POST forms for an upload (and its mask), a user's jobs, one job, its mesh link.
 * The same shape as the web API's GET /jobs and GET /jobs/{jobId}, for a user the operator names.
 */
export function createOperatorApi(deps: OperatorApiDeps): OperatorApi {
  /** A job with a link to each file it made (at the versions the job wrote) and where the file lies. */
  const linked = (status: JobStatus): Promise<LinkedJob> =>
    readStoredJob(deps.data, status).then((job) =>
      linkStoredJob(deps.data, job, deps.linkExpirySeconds, (file) =>
        deps.store.pathOf(deps.data.bucket, file.key, file.versionId),
      ),
    );
  const view = async (userId: UserId, jobId: string): Promise<LinkedJob | undefined> => {
    const status = await readJobStatus(deps.data, userId, jobId);
    return status && linked(status);
  };

  return {
    async handle(method, route, query, body) {
      if (method === 'POST' && route === '/uploads') {
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
          status: 200,
          body: {
            bucket: deps.data.bucket,
            key,
            upload: await form(key, metadata),
            ...(maskKey ? { maskKey, maskUpload: await form(maskKey, {}) } : {}),
          },
        };
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
        return { status: 200, body: { jobId, job: await view(userId, jobId) } };
      }
      if (method === 'GET' && route === '/jobs') {
        const statuses = await listJobStatuses(deps.data, userId, { max: 200 });
        return { status: 200, body: { jobs: await Promise.all(statuses.map(linked)) } };
      }
      const match = /^\/jobs\/([^/]+)$/.exec(route);
      if (method === 'GET' && match) {
        const job = await view(userId, match[1] as string);
        if (!job) throw new HttpError(404, `no job ${match[1]} for user ${userId}`);
        return { status: 200, body: job };
      }
      throw new HttpError(404, `no operator route ${method} ${route}`);
    },
  };
}
