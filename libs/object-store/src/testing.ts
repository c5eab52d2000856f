/**
 * The test kit of the storage port (`@gen3d/object-store/testing`): the in-memory adapter, versioned like the
 * production bucket, and the S3 event builders, so that no test copies its own. Test code only.
 */
export { InMemoryObjectStore, type CreatedObjectRecord } from './memory-object-store';
export { s3CreatedEvent, type CreatedObjectSpec } from '@gen3d/events/testing';
