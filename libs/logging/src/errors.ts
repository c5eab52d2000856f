/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class LoggingError extends Error {
  override readonly name: string = 'LoggingError';
}

/** `LOG_LEVEL` names no pino level. */
export class InvalidLogLevelError extends LoggingError {
  override readonly name: string = 'InvalidLogLevelError';
}
