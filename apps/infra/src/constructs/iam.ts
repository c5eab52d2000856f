import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { S3Grant, S3ListingGrant } from '../access';
import { acknowledgeWildcardResource } from '../nag';

/**
 * The S3 statements of a role: one per grant, plus s3:ListBucket on each bucket it reads, limited by the `s3:prefix`
 * condition to the key patterns it may read (listingPrefixes). S3 answers a read of a missing key 404 only to a caller
 * with s3:ListBucket, and evaluates that permission with the key as s3:prefix: so the role learns whether a key exists
 * exactly where it may read it, and cannot list the rest of the bucket.
 */
export function s3Statements(
  grants: readonly S3Grant[],
  buckets: { readonly data: string; readonly model: string },
): iam.PolicyStatement[] {
  const statements = grants.map(
    (grant) =>
      new iam.PolicyStatement({
        actions: [...grant.actions],
        resources: grant.patterns.map((pattern) => s3ObjectArn(buckets[grant.bucket], pattern)),
      }),
  );
  for (const bucket of ['data', 'model'] as const) {
    const prefixes = listingPrefixes(grants, bucket);
    if (prefixes.length === 0) continue;
    statements.push(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [`arn:${Aws.PARTITION}:s3:::${buckets[bucket]}`],
        conditions: { StringLike: { 's3:prefix': prefixes } },
      }),
    );
  }
  return statements;
}

/** The key patterns a role reads in a bucket (s3:GetObject), which its s3:ListBucket is limited to. */
export function listingPrefixes(grants: readonly S3Grant[], bucket: S3Grant['bucket']): string[] {
  const reads = grants.filter((grant) => grant.bucket === bucket && grant.actions.includes('s3:GetObject'));
  return [...new Set(reads.flatMap((grant) => grant.patterns))];
}

/** The bucket-level listings of a role (e.g. s3:ListBucketVersions), each only for the key prefixes it names. */
export function s3ListingStatements(
  listings: readonly S3ListingGrant[],
  buckets: { readonly data: string; readonly model: string },
): iam.PolicyStatement[] {
  return listings.map(
    (listing) =>
      new iam.PolicyStatement({
        actions: [...listing.actions],
        resources: [`arn:${Aws.PARTITION}:s3:::${buckets[listing.bucket]}`],
        conditions: { StringLike: { 's3:prefix': [...listing.prefixes] } },
      }),
  );
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for every wildcard resource of the grants: each pattern is a
 * prefix with a user id, job id or file name in it, which IAM can only express as `*`.
 */
export function acknowledgePrefixWildcards(
  scope: IConstruct,
  grants: readonly S3Grant[],
  buckets: { readonly data: string; readonly model: string },
): void {
  for (const grant of grants) {
    for (const pattern of grant.patterns) {
      acknowledgeWildcardResource(
        scope,
        s3ObjectArn(buckets[grant.bucket], pattern),
        `Scoped to the key prefix the role uses (${grant.why}); the * stands for a user id, job id or file name.`,
      );
    }
  }
}

function s3ObjectArn(bucket: string, pattern: string): string {
  return `arn:${Aws.PARTITION}:s3:::${bucket}/${pattern}`;
}
