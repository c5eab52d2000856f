export {
  buildFailureDocument,
  JobDocuments,
  type JobRef,
  type ObjectRef,
  type ReportRead,
} from './documents';
export { InputRejectedError, JobsError, PermanentMailError } from './errors';
export { EXTRACT_TALLY, extractObject, type ExtractOutcome, type ExtractPorts } from './extract';
export { MAX_INVOCATION_TIMEOUT_SECONDS, parseExtractConfig, type ExtractConfig } from './extract-config';
export { jobIdFor } from './job-id';
export {
  NOTIFY_TALLY,
  notifyObject,
  notifyStateOf,
  releaseHeldResults,
  type NotifyOutcome,
  type NotifyPorts,
  type NotifyState,
  type ReleaseOutcome,
  type ReleasePorts,
} from './notify';
export { MAX_LINK_EXPIRY_SECONDS, parseNotifyConfig, type NotifyConfig } from './notify-config';
export { describeContent, isPng } from './png-signature';
export type { AsyncInferenceInvoker, AsyncInvocation, Clock, Email, Mailer, OutgoingEmail } from './ports';
export {
  addressKeyOf,
  isAddressConfirmed,
  MAX_HELD_RESULTS,
  readAddressRecord,
  type HeldResult,
  jobLink,
  normaliseAddress,
  parseAddressRecordJson,
  type AddressRecord,
} from './web';
