import { DocumentParseError, parseJobStatusJson, type JobStatus } from '@gen3d/events';
import { ObjectMissingError, ObjectTooLargeError, type BucketStore } from '@gen3d/object-store';
import { InvalidKeyError, parseJobDocumentKey, userJobsPrefix, type UserId } from '@gen3d/s3-keys';
import { STUCK_JOB_MS } from './limits';

const MAX_STATUS_BYTES = 64 * 1024;

/**
 * The status documents of a user's jobs, newest first (at most `max`). A status that cannot be read is skipped
 * (`onUnreadable` hears of it): one corrupt document hides one job, never the whole list.
 */
export async function listJobStatuses(
  data: BucketStore,
  userId: UserId,
  options: { readonly max?: number; readonly onUnreadable?: (key: string) => void } = {},
): Promise<JobStatus[]> {
  const listed = await data.list(userJobsPrefix(userId));
  const keys = listed
    .filter((entry) => isStatusKey(entry.key))
    .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))
    .slice(0, options.max ?? 50);
  const statuses = await Promise.all(
    keys.map(async ({ key }) => {
      try {
        const status = parseJobStatusJson(await data.getText(key, { maxBytes: MAX_STATUS_BYTES }));
        return status.userId === userId ? status : undefined;
      } catch (error) {
        if (!(
          error instanceof DocumentParseError ||
          error instanceof ObjectMissingError ||
          error instanceof ObjectTooLargeError
        ))
          throw error;
        options.onUnreadable?.(key);
        return undefined;
      }
    }),
  );
  return statuses
    .filter((s): s is JobStatus => s !== undefined)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** Jobs queued or reconstructing, not stuck (see STUCK_JOB_MS), other than `except`. */
export function activeJobsOf(statuses: readonly JobStatus[], now: Date, except?: string): JobStatus[] {
  return statuses.filter(
    (s) =>
      s.jobId !== except &&
      (s.state === 'queued' || s.state === 'reconstructing') &&
      now.getTime() - Date.parse(s.updatedAt) < STUCK_JOB_MS,
  );
}

function isStatusKey(key: string): boolean {
  try {
    return parseJobDocumentKey(key).document === 'status';
  } catch (error) {
    if (error instanceof InvalidKeyError) return false;
    throw error;
  }
}
