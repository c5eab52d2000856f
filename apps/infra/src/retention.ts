import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RETAINED_PREFIXES, USERS_PREFIX } from '@gen3d/s3-keys';

/** How long the data bucket keeps other prefixes' old versions (seed §12, decision 0010), unless users keep longer. */
const NONCURRENT_DAYS = 90;

/**
 * The days after which a lifecycle rule may delete a retained object: `retentionDays` and one more (decision 0034).
 * S3 counts from the object's creation (or, for a noncurrent version, from its replacement) and rounds up to the
 * next midnight UTC, with no grace; the date the email and the web page promise (`keptUntil` in @gen3d/jobs) counts
 * from the job's end, which comes after its upload by its wait and its run (at most REQUEST_TTL_SECONDS plus
 * INVOCATION_TIMEOUT_SECONDS, 7 hours). A day more covers that, and the promised day itself, whole.
 *
 * @example retentionExpiryDays(30) // 31
 */
export function retentionExpiryDays(retentionDays: number): number {
  return retentionDays + 1;
}

/**
 * The lifecycle rules that keep users' files at least `retentionDays` after their job ended (decision 0028): under
 * RETAINED_PREFIXES (@gen3d/s3-keys: users/ and jobs/), the current version expires `retentionExpiryDays` after it was
 * written (S3 puts a delete marker on it), a noncurrent version as long after it became noncurrent (a file
 * overwritten under the same key, say a CLI upload of the same name, keeps the date its job's email promised), and
 * the delete markers left with no version behind them are removed. A deletion on request (DELETE /jobs/{id}) removes
 * the versions themselves at once. S3 runs the rules asynchronously, so a file may outlive its expiry by a day or so.
 *
 * @example retentionLifecycleRules(30) // users/ and jobs/: 31 days current, 31 days noncurrent; markers cleaned
 */
export function retentionLifecycleRules(retentionDays: number): s3.LifecycleRule[] {
  const days = Duration.days(retentionExpiryDays(retentionDays));
  const byPrefix = RETAINED_PREFIXES.map((prefix): s3.LifecycleRule => ({
    id: prefix === USERS_PREFIX ? 'ExpireUserFilesAfterRetentionDays' : 'ExpireJobIndexAfterRetentionDays',
    prefix,
    expiration: days,
    noncurrentVersionExpiration: days,
  }));
  // A separate rule: S3 refuses ExpiredObjectDeleteMarker beside Expiration Days. A marker with no version behind it
  // hides nothing, whatever its prefix, so this one rule covers the whole bucket.
  return [...byPrefix, { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true }];
}

/**
 * The data bucket's rule for old versions of every prefix: 90 days, or as long as the retention rules when those keep
 * longer. A lifecycle filter cannot leave a prefix out, and where two rules expire the same version S3 applies the
 * earlier, so a 90-day rule over the whole bucket would cut users' old versions short of a retention beyond 90 days.
 *
 * @example noncurrentVersionsRule(365) // every prefix's old versions: 366 days
 */
export function noncurrentVersionsRule(retentionDays: number): s3.LifecycleRule {
  const days = Math.max(NONCURRENT_DAYS, retentionExpiryDays(retentionDays));
  return { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(days) };
}
