export {
  createApiHandler,
  routeName,
  type ApiDeps,
  type ApiRequest,
  type ApiResponse,
  type UploadSigner,
} from './api';
export { uploadNameFor } from './uploads';
export { ORIGIN_VERIFY_HEADER } from './context';
export { CONFIRMATION_RESEND_MS, CONFIRMATION_VALID_SECONDS } from './confirmations';
export { confirmationLink, parseApiConfig, type ApiConfig, type GivenApiSettings } from './config';
export { confirmationEmail, type OutgoingEmail } from './emails';
export * from './errors';
export {
  forFunctionUrl,
  functionUrlResult,
  requestFromFunctionUrl,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from './function-url';
export { keyFromText } from './key-file';
export {
  createTokenSigner,
  MIN_TOKEN_KEY_BYTES,
  TokenKeyError,
  type TokenClaims,
  type TokenSigner,
} from './tokens';
