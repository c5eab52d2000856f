/**
 * What each role may do in the buckets, by key pattern: the prefixes the pipeline really uses (docs/architecture.md,
 * libs/s3-keys). Kept as data so the stacks, the tests and docs/resources.md read one list. `*` in a pattern stands
 * for one user id, job id or file name (IAM's `*` also crosses `/`, so a pattern never grants more than its prefix).
 * Reads with a VersionId (the exact upload the extract lambda checked) and links signed for a version need
 * s3:GetObjectVersion beside s3:GetObject.
 */
export interface S3Grant {
  readonly bucket: 'data' | 'model';
  readonly actions: readonly string[];
  readonly patterns: readonly string[];
  readonly why: string;
}

/**
 * A bucket-level listing beyond the s3:ListBucket each role has on what it reads (constructs/iam.ts: a missing key
 * answers 404 there), limited to key prefixes by the `s3:prefix` condition: a request that names no prefix, or
 * another one, is refused.
 */
export interface S3ListingGrant {
  readonly bucket: 'data' | 'model';
  readonly actions: readonly string[];
  /** `s3:prefix` patterns (StringLike): `users/*` admits any prefix that starts with users/. */
  readonly prefixes: readonly string[];
  readonly why: string;
}

const READ = ['s3:GetObject', 's3:GetObjectVersion'] as const;

/** A grant on the data bucket: these actions on keys matching these patterns, and why the role needs them. */
function onData(actions: readonly string[], patterns: readonly string[], why: string): S3Grant {
  return { bucket: 'data', actions, patterns, why };
}

export const EXTRACT_S3_GRANTS: readonly S3Grant[] = [
  onData(READ, ['users/*/input/*'], 'HEAD and the first bytes of the upload'),
  onData(
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    ['users/*/jobs/*/extract.lock'],
    'the job lock (conditional writes; freed on a transient error)',
  ),
  onData(
    ['s3:PutObject'],
    ['users/*/jobs/*/request.json', 'users/*/jobs/*/status.json', 'jobs/*.json'],
    'the inference request, the job status and the job index',
  ),
  onData(
    ['s3:PutObject'],
    ['users/*/output/*.failure.json', 'rejected/*.failure.json'],
    'failure documents of rejected uploads',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['api/claims/*'],
    'the claim of a web-granted upload, written once (a replayed upload form starts no second job)',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['api/addresses/*'],
    "the mailbox's daily cap, counted on the web uploads extract accepts",
  ),
  onData(
    ['s3:GetObject'],
    ['users/*/jobs/*/status.json'],
    "the session's jobs in progress, counted on the web uploads extract accepts",
  ),
];

/** What extract lists: a web upload's session's jobs (users/{userId}/jobs/), to count those in progress. */
export const EXTRACT_S3_LISTINGS: readonly S3ListingGrant[] = [
  {
    bucket: 'data',
    actions: ['s3:ListBucket'],
    prefixes: ['users/*/jobs/*'],
    why: "the session's jobs in progress: their status documents, listed under users/{userId}/jobs/",
  },
];

export const NOTIFY_S3_GRANTS: readonly S3Grant[] = [
  onData(
    READ,
    ['users/*/output/*', 'rejected/*.failure.json', 'sagemaker-output/failures/*'],
    'meshes (and links signed for their version), reports, failure documents',
  ),
  onData(READ, ['users/*/input/*'], "the uploader's address (x-amz-meta-email)"),
  onData(
    READ,
    ['users/*/jobs/*/request.json', 'jobs/*.json'],
    'the job request (upload key and version), found through the job index for SageMaker failure records',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['users/*/jobs/*/notify.lock', 'rejected/*.notify.lock'],
    'the notification lock (which emails went out)',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['users/*/jobs/*/status.json'],
    'the job status: read so a done job stays done, written when a job failed inside SageMaker',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['api/addresses/*'],
    'whether the address of a web-API upload is confirmed (kept by the API); the results held until it is',
  ),
];

export const SAGEMAKER_S3_GRANTS: readonly S3Grant[] = [
  onData(
    READ,
    ['users/*/input/*', 'users/*/masks/*', 'users/*/jobs/*/request.json'],
    'the upload (exact version), the optional mask, the inference request (InputLocation)',
  ),
  onData(
    ['s3:PutObject'],
    ['users/*/output/*', 'users/*/jobs/*/status.json', 'sagemaker-output/*'],
    'mesh, report, failure document, job status; SageMaker’s own output and failure records',
  ),
  {
    bucket: 'model',
    actions: ['s3:GetObject'],
    patterns: ['sam3d-model/*'],
    why: 'SAM 3D checkpoints and config',
  },
  {
    bucket: 'model',
    actions: ['s3:GetObject'],
    patterns: ['segmentation/*'],
    why: "the learned segmenter's model card and file, fetched and verified at the container's start",
  },
];

export const API_S3_GRANTS: readonly S3Grant[] = [
  onData(READ, ['users/*', 'api/*'], 'job listings, signed downloads, the API’s own records'),
  onData(['s3:PutObject'], ['api/*'], 'the API’s own records: sessions, addresses, claims, the mail budget'),
  onData(
    ['s3:PutObject'],
    ['users/*/input/*', 'users/*/jobs/*/notify.lock'],
    'signed uploads and retries (a copy of the picture under a new name); the notify lock of a held result',
  ),
  onData(
    READ,
    ['rejected/*.failure.json', 'sagemaker-output/failures/*', 'jobs/*.json'],
    'held results that POST /confirm emails: failure documents, SageMaker failure records, the job index',
  ),
  onData(
    ['s3:GetObject', 's3:PutObject'],
    ['rejected/*.notify.lock'],
    'the notification lock of a held result outside users/',
  ),
  onData(
    ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    ['users/*', 'jobs/*.json'],
    'DELETE /jobs/{id}: every version of the job’s upload, mask, results and documents, and its job index entry',
  ),
];

/** What DELETE /jobs/{id} lists to find every version of a job's files: within users/ and the job index only. */
export const API_S3_LISTINGS: readonly S3ListingGrant[] = [
  {
    bucket: 'data',
    actions: ['s3:ListBucketVersions'],
    prefixes: ['users/*', 'jobs/*'],
    why: 'DELETE /jobs/{id}: the versions of each of the job’s files',
  },
];
