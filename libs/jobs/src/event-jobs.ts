import { matchNotificationRule, parseDataBucketKey, parseJobId } from '@gen3d/s3-keys';
import { jobIdFor } from './job-id';

/**
 * Which job an S3 object-created event starts: extract makes a job of every key its notification rule delivers but a
 * mask's (which it passes over), an unusable upload key included (extract rejects it under the id it derives), and
 * the id is the one extract derives. Undefined for any other object (a finished mesh, a report: they start nothing).
 *
 * @example jobStartedBy({ bucket, key: 'users/u1/input/cup.png', versionId: 'v1' }) // '3f…' (as extract derives it)
 */
export function jobStartedBy(object: Parameters<typeof jobIdFor>[0]): string | undefined {
  if (matchNotificationRule(object.key)?.target !== 'extract') return undefined;
  try {
    if (parseDataBucketKey(object.key).kind === 'mask') return undefined;
  } catch {
    // an unusable upload key: a job all the same
  }
  return jobIdFor(object);
}

/**
 * The job an object's key names: a result, report, failure record, rejected upload's document or job document
 * (their keys carry the job id), or SageMaker's failure path (its inference id). Undefined for a key naming none.
 *
 * @example jobNamedBy('users/u1/jobs/3f…/status.json') // '3f…'
 */
export function jobNamedBy(key: string): string | undefined {
  try {
    const parsed = parseDataBucketKey(key);
    if ('jobId' in parsed) return parsed.jobId;
    if (parsed.kind === 'sagemaker-failure') return parseJobId(parsed.inferenceId);
  } catch {
    // not a key of the data bucket's layout
  }
  return undefined;
}
