/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class LoggingError extends Error {
  override readonly name: string = 'LoggingError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** `LOG_LEVEL` names no pino level. */
export class InvalidLogLevelError extends LoggingError {
  override readonly name: string = 'InvalidLogLevelError';
}
