/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError';
}

/** A missing or malformed setting, named; thrown once, at start-up. */
export class ConfigError extends RuntimeError {
  override readonly name: string = 'ConfigError';
}

/**
 * Thrown by a Lambda handler after the whole batch ran, when some records failed transiently: Lambda retries the
 * event, and the records that succeeded are recognised as duplicates then. The message names error types only:
 * AWS error messages can quote email addresses, and Lambda logs what a handler throws verbatim.
 */
export class RetryableBatchError extends RuntimeError {
  override readonly name: string = 'RetryableBatchError';

  constructor(
    readonly failures: readonly Error[],
    readonly total: number,
  ) {
    const names = [...new Set(failures.map((e) => e.name))].join(', ');
    // No `cause`: the failures' messages may quote addresses, and they are in `failures` for whoever needs them.
    super(`${failures.length} of ${total} records failed (${names}); see the logs`);
  }
}
