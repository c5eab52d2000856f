export {
  BACKENDS,
  parseFailureDocument,
  parseFailureDocumentJson,
  parseInferenceRequest,
  parseInferenceRequestJson,
  parseInferenceResult,
  parseJobReport,
  parseJobReportJson,
  parseJobStatus,
  parseJobStatusJson,
  parseUploadMetadata,
  parseWorkerReport,
  QUALITIES,
  type FailureDocument,
  type InferenceRequest,
  type InferenceResult,
  type JobOptions,
  type JobReport,
  type JobState,
  type JobStatus,
  type Quality,
  type UploadMetadata,
  type WorkerReport,
} from './documents';
export { DocumentParseError, EventsError } from './errors';
export { JOB_ERRORS, JobErrorSchema, userMessageFor, type JobError, type JobErrorType } from './job-errors';
export { jsonParserFor } from './parse';
export { parseCreatedObject, parseS3EventEnvelope, type CreatedObject } from './s3-event';
