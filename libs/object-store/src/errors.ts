/**
 * Errors of the storage port. Every adapter (S3, folder, in-memory) throws these, so callers branch with
 * `instanceof` whatever the backend; `cause` keeps the adapter's own error.
 */
export class ObjectStoreError extends Error {
  override readonly name: string = 'ObjectStoreError';
}

/** The object (or the version asked for) does not exist. */
export class ObjectMissingError extends ObjectStoreError {
  override readonly name: string = 'ObjectMissingError';
}

/** The object is larger than the reader allowed: nothing past the limit was downloaded. */
export class ObjectTooLargeError extends ObjectStoreError {
  override readonly name: string = 'ObjectTooLargeError';
}

/** A conditional write lost: the object exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends ObjectStoreError {
  override readonly name: string = 'PreconditionFailedError';
}

/** Another attempt holds the lock and may still be working: retry later rather than drop the work. */
export class LockBusyError extends ObjectStoreError {
  override readonly name: string = 'LockBusyError';
}
