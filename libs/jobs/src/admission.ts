import { createHash } from 'node:crypto';
import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import { PreconditionFailedError, type BucketStore } from '@gen3d/object-store';
import { buildClaimKey, type InputKey, type JobId } from '@gen3d/s3-keys';
import { z } from 'zod';
import { activeJobsOf, listJobStatuses } from './job-list';
import { utcDay, type WebUploadLimits } from './limits';
import { countAcceptedUpload } from './web';

/**
 * Whether the extract function starts a job for an upload the web API granted (its metadata carries the upload's
 * access token). A presigned POST form can be posted again until it expires, and every post is a new object version
 * (a new job id): the first version claims the grant, later ones start nothing. Then the limits are counted on what
 * is accepted, not only on what was granted: the session's jobs in progress and its uploads of the day to the mailbox
 * (the mailbox's own count once the session is confirmed for it: countAcceptedUpload).
 *
 *   admitted   start the job
 *   replayed   another version of this upload already has its job: no job, no status, no email to anyone
 *   limited    a limit is reached: the job ends failed (LimitReachedError) without an email, which is what the cap
 *              is for; the web app shows why
 */
export type Admission =
  | { readonly verdict: 'admitted' }
  | { readonly verdict: 'replayed'; readonly claimedBy: string }
  | { readonly verdict: 'limited'; readonly limit: 'active-jobs' | 'address-daily-cap' };

const ClaimSchema = z.object({
  version: z.literal(1),
  jobId: z.string(),
  versionId: z.string().optional(),
  claimedAt: z.string(),
});
const parseClaimJson = jsonParserFor('upload claim', ClaimSchema);

export interface AdmissionInput {
  readonly input: InputKey;
  readonly jobId: JobId;
  readonly versionId: string | undefined;
  /** Where the result goes (x-amz-meta-email), when one was given. */
  readonly email: string | undefined;
  readonly now: Date;
  readonly limits: WebUploadLimits;
}

/** @example await admitWebUpload(data, { input, jobId, versionId, email, now, limits }) // { verdict: 'admitted' } */
export async function admitWebUpload(data: BucketStore, upload: AdmissionInput): Promise<Admission> {
  const claim = await claimUpload(data, upload);
  if (claim !== upload.jobId) return { verdict: 'replayed', claimedBy: claim };
  const statuses = await listJobStatuses(data, upload.input.userId);
  if (statuses.some((s) => s.jobId === upload.jobId)) return { verdict: 'admitted' }; // a retry of this event
  if (activeJobsOf(statuses, upload.now, upload.jobId).length >= upload.limits.maxActiveJobsPerUser) {
    return { verdict: 'limited', limit: 'active-jobs' };
  }
  if (upload.email !== undefined) {
    const counted = await countAcceptedUpload(data, upload.email, {
      jobId: upload.jobId,
      userId: upload.input.userId,
      day: utcDay(upload.now),
      cap: upload.limits.addressDailyCap,
    });
    if (counted === 'over-cap') return { verdict: 'limited', limit: 'address-daily-cap' };
  }
  return { verdict: 'admitted' };
}

/**
 * The job that holds the upload's claim (`api/claims/{userId}/{sha256(name)}.json`, written with If-None-Match: *):
 * this one when it is the first, else the first one's. An unreadable claim counts as someone else's.
 */
async function claimUpload(data: BucketStore, upload: AdmissionInput): Promise<string> {
  const key = buildClaimKey(
    upload.input.userId,
    createHash('sha256').update(upload.input.name).digest('hex'),
  );
  try {
    await data.putJson(
      key,
      {
        version: 1,
        jobId: upload.jobId,
        ...(upload.versionId !== undefined ? { versionId: upload.versionId } : {}),
        claimedAt: upload.now.toISOString(),
      },
      { ifNoneMatch: '*' },
    );
    return upload.jobId;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  try {
    return parseClaimJson(await data.getText(key, { maxBytes: 4096 })).jobId;
  } catch (error) {
    if (error instanceof DocumentParseError) return 'unreadable';
    throw error;
  }
}
