import { randomBytes } from 'node:crypto';
import type { UploadOptions } from '@gen3d/events';
import type { BucketStore } from '@gen3d/object-store';
import type { UserId } from '@gen3d/s3-keys';
import { deleteJobVersions, retryAsOperator } from './job-files';
import { JobStillRunningError } from './errors';
import { listJobStatuses } from './job-list';
import { jobMayStillRun } from './limits';
import { linkStoredJob, readJobStatus, readStoredJob, type LinkedJob, type LinkOptions } from './job-read';

/** How an operator's view links a job's files: for how long, and the view's options (paths, retention). */
export interface OperatorLinks extends LinkOptions {
  readonly seconds: number;
}

/**
 * What an operator does with one user's jobs, on the data bucket: read them with links, re-run one on its picture,
 * delete one with every stored version. The CLI on AWS and the local stack's operator routes are this, each over its
 * own store. An unknown job (or another user's) answers undefined.
 *
 * @example await operatorJobs(data, userId, { seconds: 3600 }).job(jobId)
 */
export function operatorJobs(data: BucketStore, userId: UserId, links: OperatorLinks) {
  const { seconds, ...options } = links;
  const linked = async (status: Parameters<typeof readStoredJob>[1]): Promise<LinkedJob> =>
    linkStoredJob(data, await readStoredJob(data, status), seconds, options);
  return {
    async job(jobId: string): Promise<LinkedJob | undefined> {
      const status = await readJobStatus(data, userId, jobId);
      return status && linked(status);
    },
    async jobs(max = 200): Promise<LinkedJob[]> {
      return Promise.all((await listJobStatuses(data, userId, { max })).map(linked));
    },
    /** A new job on the picture `jobId` was made from (see retryAsOperator). @throws RetryRefusedError (the picture is gone, or the address unconfirmed) */
    async retry(
      jobId: string,
      wanted: Pick<UploadOptions, 'point' | 'points' | 'box' | 'shape'>,
      maxBytes: number,
    ) {
      const status = await readJobStatus(data, userId, jobId);
      const suffix = randomBytes(4).toString('hex');
      return status && retryAsOperator(data, status, wanted, { maxBytes, suffix });
    },
    /** @throws JobStillRunningError while the job may still write (jobMayStillRun), as the web API refuses it */
    async remove(jobId: string, now = new Date()) {
      const status = await readJobStatus(data, userId, jobId);
      if (status && jobMayStillRun(status, now)) {
        throw new JobStillRunningError(
          `job ${jobId} is ${status.state} and may still write; delete it once it has ended (or is stuck)`,
        );
      }
      return status && deleteJobVersions(data, status);
    },
  };
}
