import type { ImageLink, JobStatus } from '@gen3d/events';
import { deleteJobVersions, jobMayStillRun, readJobStatus, readStoredJob, storedImageOf } from '@gen3d/jobs';
import { RESULT_IMAGES, type ResultImage, type UserId } from '@gen3d/s3-keys';
import type { ApiContext } from './context';
import { BadRequestError, ConflictError, NotFoundError } from './errors';
import { json, type ApiResponse } from './http';

type Deps = ApiContext['deps'];

/** Who asks: a session sees all its user's jobs; an email link's access token its one upload (by name). */
export type Who = { readonly userId: UserId; readonly onlyName?: string };

/**
 * One of the caller's jobs. Another user's job, an unknown id and a job outside an access token's one upload all read
 * the same: 404, so that ids are not confirmed.
 */
export async function findJob(deps: Deps, who: Who, jobId: string): Promise<JobStatus> {
  const status = await readJobStatus(deps.data, who.userId, jobId);
  if (!status || (who.onlyName !== undefined && status.name !== who.onlyName)) {
    throw new NotFoundError('no-such-job', 'There is no such job.');
  }
  return status;
}

/** GET /jobs/{id}/image?kind=thumbnail|mask: a short-lived link to one of the job's pictures, at its version. */
export async function imageLink(
  context: ApiContext,
  who: Who,
  jobId: string,
  kind: string | undefined,
): Promise<ApiResponse> {
  const { deps, log } = context;
  const kinds = Object.keys(RESULT_IMAGES);
  if (kind === undefined || !kinds.includes(kind)) {
    throw new BadRequestError('bad-kind', `The kind must be one of ${kinds.join(', ')}.`);
  }
  const status = await findJob(deps, who, jobId);
  const image = storedImageOf(await readStoredJob(deps.data, status), kind as ResultImage);
  if (!image) throw new NotFoundError('no-such-image', `This job has no ${kind} (any more).`);
  const link = await deps.data.presignGet(image.key, deps.config.meshLinkSeconds, image.versionId);
  log.child({ jobId }).info({ kind }, 'image link issued');
  return json(200, { url: link.url, expiresAt: link.expiresAt.toISOString() } satisfies ImageLink);
}

/**
 * DELETE /jobs/{id}: the session's own job and everything it made and was made from, every stored version (see
 * deleteJobVersions). A job still running is refused (409) unless it is stuck: its worker would write again.
 */
export async function deleteJob(context: ApiContext, userId: UserId, jobId: string): Promise<ApiResponse> {
  const { deps, log } = context;
  const status = await findJob(deps, { userId }, jobId);
  if (jobMayStillRun(status, deps.now())) {
    throw new ConflictError('still-running', 'This job is still running; delete it once it has ended.');
  }
  const deleted = await deleteJobVersions(deps.data, status);
  // Counts only: the keys are this user's, and the log is not the place for their picture names.
  log.child({ jobId }).info({ deleted, state: status.state }, 'job deleted');
  return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}
