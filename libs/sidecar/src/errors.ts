import type { FailureDocument, JobErrorType } from '@gen3d/events';

/** Base of the sidecar's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class SidecarError extends Error {
  override readonly name: string = 'SidecarError';
}

/** A job failed: its catalogue type and the stage it happened in. The HTTP status is the server's business. */
export class JobFailure extends SidecarError {
  override readonly name: string = 'JobFailure';

  constructor(
    readonly type: JobErrorType,
    readonly stage: FailureDocument['stage'],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Both the running slots and the waiting queue are full: the caller should retry later. */
export class QueueFullError extends SidecarError {
  override readonly name: string = 'QueueFullError';
}

/** An /invocations body over the limit: refused before it is parsed. */
export class RequestTooLargeError extends SidecarError {
  override readonly name: string = 'RequestTooLargeError';
}
