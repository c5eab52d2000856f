/**
 * The test kit of the storage port (`@gen3d/object-store/testing`): the in-memory adapter, versioned like the
 * production bucket, a versioned bucket on moto server, and the S3 event builders, so that no test copies its own.
 * Test code only.
 */
import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';

export { InMemoryObjectStore, type CreatedObjectRecord } from './memory-object-store';
export { s3CreatedEvent, type CreatedObjectSpec } from '@gen3d/events/testing';

/**
 * Creates a bucket with versioning on, as production's buckets are, where `client` points (moto server in the
 * integration tests), and returns its name: `prefix`, then a part that differs on every call.
 *
 * @example const bucket = await createVersionedBucket(s3, 'gen3d-notify');
 */
export async function createVersionedBucket(client: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  return bucket;
}
