export type { SkippedRecord } from './batch';
export { BUCKET_NAME, EMAIL_ADDRESS, integerEnv, requiredEnv, type Environment } from './env';
export {
  checkSettings,
  integerSetting,
  optionalSetting,
  parsedSetting,
  readSettings,
  textSetting,
  type Setting,
  type ValuesOf,
} from './settings';
export { sendJson } from './http';
export { ConfigError, RetryableBatchError, RuntimeError } from './errors';
export {
  createS3BatchHandler,
  type BatchSummary,
  type Invocation,
  type LambdaContextLike,
  type Tally,
} from './invocation';
export {
  MIN_SIGNING_KEY_BYTES,
  SigningKeyError,
  signedTokens,
  type SignedTokenOptions,
  type SignedTokens,
} from './signed-tokens';
