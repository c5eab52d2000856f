export {
  buildFailureDocument,
  JobDocuments,
  type JobRef,
  type ObjectRef,
  type ReportRead,
} from './documents';
export { admitWebUpload, type Admission } from './admission';
export { activeJobsOf, listJobStatuses } from './job-list';
export { operatorJobs, type OperatorLinks } from './operator-jobs';
/** The one read model of a job: everything job-read.ts exports is public. */
export * from './job-read';
export { jobNamedBy, jobStartedBy } from './event-jobs';
export {
  copyJobInput,
  deleteJobVersions,
  jobVersionsOf,
  readJobRequest,
  readRetryOf,
  RETRY_OF_METADATA,
  retryAsOperator,
  retryNameOf,
  retryOptionsOf,
  retryStemOf,
  type DeletedCounts,
  type JobVersion,
  type JobVersionRole,
} from './job-files';
export {
  jobMayStillRun,
  parseWebUploadLimits,
  STUCK_JOB_MS,
  utcDay,
  webUploadLimitsOf,
  type WebUploadLimits,
} from './limits';
export {
  AddressRecordFullError,
  InputRejectedError,
  JobsError,
  JobStillRunningError,
  PermanentMailError,
  RetryRefusedError,
} from './errors';
export { EXTRACT_TALLY, extractObject, type ExtractOutcome, type ExtractPorts } from './extract';
export {
  extractConfigOf,
  MAX_INVOCATION_TIMEOUT_SECONDS,
  MAX_REQUEST_TTL_SECONDS,
  parseExtractConfig,
  type ExtractConfig,
} from './extract-config';
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
export { notifyConfigOf, parseNotifyConfig, type NotifyConfig } from './notify-config';
export { meshStatsOf } from './stored-mesh';
export {
  createDownloadLinks,
  createDownloadLinkSigner,
  DownloadKeyError,
  MIN_DOWNLOAD_KEY_BYTES,
  parseApiUrl,
  redeemDownloadLink,
  type DownloadClaims,
  type DownloadLinks,
  type DownloadLinkSigner,
  type DownloadRefusal,
  type DownloadTarget,
  type Redemption,
} from './download-links';
export {
  ADDRESS_DAILY_CAP,
  ADMIN_EMAIL,
  DATA_BUCKET,
  DEFAULT_MAX_UPLOAD_BYTES,
  LINK_EXPIRY_SECONDS,
  MAX_ACTIVE_JOBS_PER_USER,
  MAX_LINK_EXPIRY_SECONDS,
  MAX_UPLOAD_BYTES,
  parseWebUrl,
  RETENTION_DAYS,
  SOURCE_EMAIL,
  WEB_URL,
} from './settings';
export { describeContent, isPng } from './png-signature';
export type {
  AsyncInferenceInvoker,
  AsyncInvocation,
  Clock,
  Email,
  InlineImage,
  Mailer,
  OutgoingEmail,
} from './ports';
export { encodeHeader, formatMimeMessage, quotedPrintable, type MimeMessage } from './mime';
export {
  acceptedOn,
  addressHashOf,
  addressKeyOf,
  changeAddressRecord,
  confirmAddress,
  confirmsFor,
  countAcceptedUpload,
  emptyAddressRecord,
  isAddressConfirmed,
  jobLink,
  mailboxOf,
  MAX_ADDRESS_RECORD_BYTES,
  MAX_HELD_RESULTS,
  normaliseAddress,
  parseAddressRecordJson,
  readAddressRecord,
  type AddressRecord,
  type HeldResult,
} from './web';
