/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class S3KeysError extends Error {
  override readonly name: string = 'S3KeysError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Why a key was refused. Stable codes: callers branch on them, people read the message. */
export type InvalidKeyReason =
  | 'empty'
  | 'too-long'
  | 'malformed-encoding'
  | 'leading-slash'
  | 'backslash'
  | 'control-character'
  | 'empty-segment'
  | 'traversal'
  | 'foreign-prefix'
  | 'bad-user-id'
  | 'bad-job-id'
  | 'bad-name'
  | 'bad-extension'
  | 'bad-shape';

/**
 * The one error type every parser and builder in this library throws.
 *
 * @example
 * try { parseInputKey('users/u1/input/../x.png') } catch (e) { if (e instanceof InvalidKeyError) e.reason // 'traversal' }
 */
export class InvalidKeyError extends S3KeysError {
  override readonly name: string = 'InvalidKeyError';

  constructor(
    readonly reason: InvalidKeyReason,
    readonly key: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`invalid S3 key ${JSON.stringify(truncate(key))}: ${detail}`, options);
  }
}

function truncate(key: string): string {
  return key.length > 120 ? `${key.slice(0, 117)}...` : key;
}
