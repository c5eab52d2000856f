export { InvalidKeyError, S3KeysError, type InvalidKeyReason } from './errors';
export { JOB_ID_PATTERN, parseJobId, parseUserId, USER_ID_PATTERN, type JobId, type UserId } from './ids';
export { decodeEventKey, encodeEventKey } from './event-key';
export {
  buildFailureKey,
  buildInputKey,
  buildJobDocumentKey,
  buildJobIndexKey,
  buildMaskKey,
  buildMeshFileKey,
  buildOutputKey,
  buildPublicKey,
  buildRejectedKey,
  buildReportKey,
  buildResultImageKey,
  EXTRA_MESH_FORMATS,
  MESH_FORMATS,
  outputKeysFor,
  parseDataBucketKey,
  parseInputKey,
  parseJobDocumentKey,
  parseMaskKey,
  parseMeshFileKey,
  PUBLIC_PREFIX,
  RESULT_IMAGES,
  SAGEMAKER_FAILURE_PREFIX,
  SAGEMAKER_OUTPUT_PREFIX,
  type ExtraMeshFormat,
  type FailureKey,
  type InputKey,
  type MeshFileKey,
  type MeshFormat,
  type OutputKey,
  type RejectedKey,
  type ResultImage,
  type ResultImageKey,
  type SageMakerOutputKey,
} from './keys';
export {
  matchesNotificationRule,
  matchNotificationRule,
  NOTIFICATION_RULES,
  OBJECT_CREATED_EVENT,
  overlappingNotificationRules,
  type NotificationRule,
  type NotificationTarget,
} from './notification-rules';
export { buildAddressKey, buildApiUserKey, buildClaimKey, MAIL_BUDGET_KEY, userJobsPrefix } from './api-keys';
export { MAX_NAME_BYTES, MAX_NAME_LENGTH, utf8Bytes } from './segments';
