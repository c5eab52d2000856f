export { bindBucket, BucketStore, type WriteConditions } from './bucket-store';
export {
  LockBusyError,
  ObjectMissingError,
  ObjectStoreError,
  ObjectTooLargeError,
  PreconditionFailedError,
} from './errors';
export { compareAndSwap, ContendedDocumentError, type CompareAndSwapOptions } from './compare-and-swap';
export { acquireLock, lockDeadline, updateLock, type LockDocument, type LockResult } from './lock';
export {
  FolderKeyError,
  FolderObjectStore,
  PresignedRequestError,
  type FolderObjectStoreOptions,
} from './folder-object-store';
export type {
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  ObjectVersionSummary,
  PresignedLink,
  PresignedPost,
  PresignPostOptions,
  PutOptions,
  PutResult,
} from './object-store';
export { createS3Client, S3ObjectStore, UNDATED_SESSION_LINK_SECONDS } from './s3-object-store';
