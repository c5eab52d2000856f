import type { JobErrorType } from '@gen3d/events';

/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class JobsError extends Error {
  override readonly name: string = 'JobsError';
}

/**
 * An input the pipeline refuses for good, with the catalogue type the user's email explains: it gets a failure
 * document (and so emails), never a retry.
 */
export class InputRejectedError extends JobsError {
  override readonly name: string = 'InputRejectedError';

  constructor(
    readonly type: JobErrorType,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A refusal by the mail provider that no retry changes (SES `MessageRejected`, an unverified sender). */
export class PermanentMailError extends JobsError {
  override readonly name: string = 'PermanentMailError';

  constructor(
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`the mail provider refused the email for good (${code})`, options);
  }
}

/** An operator's retry cannot start: the job's picture (or its request) is no longer stored (`gone`), or the job is a
 * web upload whose session never confirmed its address (`unconfirmed`): an operator's copy carries no access token,
 * so notify would trust the address and mail it unasked; the user's own retry (the web page) keeps it held. */
export class RetryRefusedError extends JobsError {
  override readonly name: string = 'RetryRefusedError';

  constructor(
    readonly reason: 'gone' | 'unconfirmed',
    message: string,
  ) {
    super(message);
  }
}

/** An operator's delete of a job that may still write (jobMayStillRun): deleted now, it could come back. */
export class JobStillRunningError extends JobsError {
  override readonly name: string = 'JobStillRunningError';
}

/**
 * An address record that cannot be brought under its size limit without dropping results held for sessions its owner
 * confirmed: nothing is written (a record over the limit could not be read back).
 */
export class AddressRecordFullError extends JobsError {
  override readonly name: string = 'AddressRecordFullError';
}
