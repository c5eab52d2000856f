import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The prefixes whose objects the retention setting expires (libs/s3-keys' layout): users/{userId}/… holds uploads,
 * masks, results and job documents; jobs/{jobId}.json is the job index, which names a job's user.
 */
export const RETAINED_PREFIXES = ['users/', 'jobs/'] as const;

/**
 * The lifecycle rules that keep users' files at least `retentionDays` (decision 0028): under users/ and jobs/, the
 * current version expires `retentionDays` after it was written (S3 puts a delete marker on it), a noncurrent version
 * `retentionDays` after it became noncurrent (a file overwritten under the same key, say a CLI upload of the same
 * name, keeps the date its job's email promised), and the delete markers left with no version behind them are
 * removed. A deletion on request (DELETE /jobs/{id}) removes the versions themselves at once. S3 rounds each expiry
 * up to the next midnight UTC and runs the rules asynchronously, so a file may outlive its date by a day or so.
 *
 * @example retentionLifecycleRules(30) // users/ and jobs/: 30 days current, 30 days noncurrent; markers cleaned
 */
export function retentionLifecycleRules(retentionDays: number): s3.LifecycleRule[] {
  const byPrefix = RETAINED_PREFIXES.map((prefix): s3.LifecycleRule => ({
    id: prefix === 'users/' ? 'ExpireUserFilesAfterRetentionDays' : 'ExpireJobIndexAfterRetentionDays',
    prefix,
    expiration: Duration.days(retentionDays),
    noncurrentVersionExpiration: Duration.days(retentionDays),
  }));
  // A separate rule: S3 refuses ExpiredObjectDeleteMarker beside Expiration Days. A marker with no version behind it
  // hides nothing, whatever its prefix, so this one rule covers the whole bucket.
  return [...byPrefix, { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true }];
}
