import { InvalidKeyError } from './errors';
import { parseJobId, parseUserId, type JobId, type UserId } from './ids';
import { checkName, splitKey, stripExtension } from './segments';

/**
 * The data bucket's layout (seed: gen3d-data-bucket), plus the documents the pipeline adds:
 *
 *   users/{userId}/input/{name}.png                 upload; triggers the extract lambda
 *   users/{userId}/output/{name}.{glb|stl|3mf|obj}  the same mesh in the extra formats a job asked for (no trigger;
 *                                                   written before the report and the .ply)
 *   users/{userId}/output/{name}.ply                finished mesh; triggers the notify lambda (written last)
 *   users/{userId}/output/{name}.report.json        the job report written next to the mesh
 *   users/{userId}/output/{name}.failure.json       failure document; triggers the notify lambda
 *   users/{userId}/masks/{name}.png                 optional user-drawn object mask (never triggers a job)
 *   users/{userId}/jobs/{jobId}/{document}          job documents (request, status, locks)
 *   jobs/{jobId}.json                               job index: which user a job id belongs to (SageMaker failures)
 *   rejected/{jobId}.failure.json                   failure document of an upload whose key is unusable
 *   rejected/{jobId}.notify.lock                    its notification lock
 *   sagemaker-output/{inferenceId}.out              SageMaker async success output
 *   sagemaker-output/failures/{inferenceId}-error.out  SageMaker async failure output
 *   public/{path}                                   the static web site
 *
 * and the model bucket's (seed: gen3d-model-bucket): sam3d-model/{checkpoints|config}/{path}.
 */
export const INPUT_EXTENSION = '.png';
export const OUTPUT_EXTENSION = '.ply';
export const REPORT_SUFFIX = '.report.json';
export const FAILURE_SUFFIX = '.failure.json';
export const SAGEMAKER_OUTPUT_PREFIX = 'sagemaker-output/';
export const SAGEMAKER_FAILURE_PREFIX = 'sagemaker-output/failures/';
export const PUBLIC_PREFIX = 'public/';
export const REJECTED_PREFIX = 'rejected/';
export const JOB_INDEX_PREFIX = 'jobs/';
/** Every file of a user and of their jobs: uploads, masks, results and job documents. */
export const USERS_PREFIX = 'users/';
/**
 * What a deployment's retention (RETENTION_DAYS, decision 0028) expires: a user's files and the job index, which names
 * a job's user. Read by the data bucket's lifecycle rules (apps/infra) and the local stack's sweeper alike.
 */
export const RETAINED_PREFIXES = [USERS_PREFIX, JOB_INDEX_PREFIX] as const;
/**
 * The pictures a job makes beside its mesh: a thumbnail of the mesh and the mask it used (what the model took as the
 * object), `users/{userId}/output/{name}.thumb.png` and `….mask.png`.
 */
export const RESULT_IMAGES = { thumbnail: '.thumb.png', mask: '.mask.png' } as const;
export type ResultImage = keyof typeof RESULT_IMAGES;

/**
 * The mesh file formats a job can produce (the worker's `formats` option). The PLY is always made: it is the file
 * whose creation notifies, written last. The others sit next to it under the same name, `{name}.{format}`; no S3
 * notification rule matches their extensions (tested), so they never trigger anything.
 */
export const MESH_FORMATS = ['ply', 'glb', 'stl', '3mf', 'obj'] as const;
export type MeshFormat = (typeof MESH_FORMATS)[number];
/** Every format but the PLY: the files written next to it. */
export type ExtraMeshFormat = Exclude<MeshFormat, 'ply'>;
export const EXTRA_MESH_FORMATS = MESH_FORMATS.filter(
  (format): format is ExtraMeshFormat => format !== 'ply',
);
const JOB_INDEX_SUFFIX = '.json';
const REJECTED_LOCK_SUFFIX = '.notify.lock';

export const JOB_DOCUMENTS = {
  request: 'request.json',
  status: 'status.json',
  'extract-lock': 'extract.lock',
  'notify-lock': 'notify.lock',
} as const;
export type JobDocument = keyof typeof JOB_DOCUMENTS;

/** Where a user's object lives: who owns it and what they called it (NFC, without extension). */
export interface UserObject {
  readonly userId: UserId;
  readonly name: string;
}

export interface InputKey extends UserObject {
  readonly kind: 'input';
  /** The exact key, as stored: use it to read the object (it may not be NFC). */
  readonly key: string;
}
export interface OutputKey extends UserObject {
  readonly kind: 'output';
  readonly key: string;
}
/** The mesh of a job in one of its extra formats, `users/{userId}/output/{name}.{glb|stl|3mf|obj}`. */
export interface MeshFileKey extends UserObject {
  readonly kind: 'mesh-file';
  readonly key: string;
  readonly format: ExtraMeshFormat;
}
/** A picture a job made beside its mesh (RESULT_IMAGES): matched by the upload trigger's `.png`, never a job. */
export interface ResultImageKey extends UserObject {
  readonly kind: 'result-image';
  readonly key: string;
  readonly image: ResultImage;
}
export interface ReportKey extends UserObject {
  readonly kind: 'report';
  readonly key: string;
}
export interface FailureKey extends UserObject {
  readonly kind: 'failure';
  readonly key: string;
}
export interface MaskKey extends UserObject {
  readonly kind: 'mask';
  readonly key: string;
}
export interface JobDocumentKey {
  readonly kind: 'job-document';
  readonly key: string;
  readonly userId: UserId;
  readonly jobId: JobId;
  readonly document: JobDocument;
}
export interface SageMakerOutputKey {
  readonly kind: 'sagemaker-output' | 'sagemaker-failure';
  readonly key: string;
  readonly inferenceId: string;
}
/** The failure document of an upload whose key could not be parsed (so it has no user prefix to live under). */
export interface RejectedKey {
  readonly kind: 'rejected';
  readonly key: string;
  readonly jobId: JobId;
  readonly document: 'failure' | 'notify-lock';
}
/**
 * Where a job id leads to its owner: jobs/{jobId}.json names the user, so that a SageMaker failure record (which
 * knows only the inference id, the job id) finds the job's request document and so its upload.
 */
export interface JobIndexKey {
  readonly kind: 'job-index';
  readonly key: string;
  readonly jobId: JobId;
}
export interface PublicKey {
  readonly kind: 'public';
  readonly key: string;
  readonly path: string;
}
export interface ModelArtifactKey {
  readonly kind: 'model-artifact';
  readonly key: string;
  readonly section: 'checkpoints' | 'config';
  readonly path: string;
}

export type DataBucketKey =
  | InputKey
  | OutputKey
  | MeshFileKey
  | ResultImageKey
  | ReportKey
  | FailureKey
  | MaskKey
  | JobDocumentKey
  | SageMakerOutputKey
  | RejectedKey
  | JobIndexKey
  | PublicKey;
export type KeyKind = DataBucketKey['kind'];

const INFERENCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Parses any key of the data bucket into its typed form.
 *
 * @example parseDataBucketKey('users/u1/output/chair.ply') // { kind: 'output', userId: 'u1', name: 'chair', ... }
 * @throws InvalidKeyError when the key is unsafe or fits no known kind.
 */
export function parseDataBucketKey(key: string): DataBucketKey {
  const segments = splitKey(key);
  const [top] = segments;
  if (top === 'users') return parseUserKey(key, segments);
  if (top === 'public') {
    if (segments.length < 2) throw new InvalidKeyError('bad-shape', key, 'expected public/{path}');
    return { kind: 'public', key, path: segments.slice(1).join('/') };
  }
  if (top === 'sagemaker-output') return parseSageMakerKey(key, segments);
  if (top === 'jobs' && segments.length === 2) {
    const jobId = parseJobId(stripExtension(segments[1] as string, JOB_INDEX_SUFFIX, key), key);
    return { kind: 'job-index', key, jobId };
  }
  if (top === 'rejected' && segments.length === 2) {
    const fileName = segments[1] as string;
    const document = fileName.endsWith(REJECTED_LOCK_SUFFIX) ? 'notify-lock' : 'failure';
    const suffix = document === 'failure' ? FAILURE_SUFFIX : REJECTED_LOCK_SUFFIX;
    return { kind: 'rejected', key, jobId: parseJobId(stripExtension(fileName, suffix, key), key), document };
  }
  throw new InvalidKeyError(
    'foreign-prefix',
    key,
    'the key is outside users/, public/, jobs/, rejected/ and sagemaker-output/',
  );
}

/** What a file under users/{userId}/output/ is, by its suffix (the first that matches). */
const OUTPUT_FILES: readonly (
  | { suffix: string; kind: 'report' | 'failure' | 'output' }
  | { suffix: string; kind: 'result-image'; image: ResultImage }
  | { suffix: string; kind: 'mesh-file'; format: ExtraMeshFormat }
)[] = [
  ...(Object.keys(RESULT_IMAGES) as ResultImage[]).map((image) => ({
    suffix: RESULT_IMAGES[image],
    kind: 'result-image' as const,
    image,
  })),
  { suffix: REPORT_SUFFIX, kind: 'report' },
  { suffix: FAILURE_SUFFIX, kind: 'failure' },
  { suffix: OUTPUT_EXTENSION, kind: 'output' },
  ...EXTRA_MESH_FORMATS.map((format) => ({ suffix: `.${format}`, kind: 'mesh-file' as const, format })),
];

function parseUserKey(key: string, segments: string[]): DataBucketKey {
  const [, rawUserId, area, ...rest] = segments;
  if (rawUserId === undefined || area === undefined || rest.length === 0) {
    throw new InvalidKeyError('bad-shape', key, 'expected users/{userId}/{input|output|masks|jobs}/...');
  }
  const userId = parseUserId(rawUserId, key);
  if (area === 'jobs') {
    const [rawJobId, fileName] = rest;
    const document = (Object.keys(JOB_DOCUMENTS) as JobDocument[]).find((d) => JOB_DOCUMENTS[d] === fileName);
    if (rest.length !== 2 || rawJobId === undefined || document === undefined) {
      throw new InvalidKeyError(
        'bad-shape',
        key,
        `expected users/{userId}/jobs/{jobId}/{${Object.values(JOB_DOCUMENTS).join('|')}}`,
      );
    }
    return { kind: 'job-document', key, userId, jobId: parseJobId(rawJobId, key), document };
  }
  if (rest.length !== 1) {
    throw new InvalidKeyError('bad-shape', key, `expected users/{userId}/${area}/{file} with no sub-folders`);
  }
  const fileName = rest[0] as string;
  if (area === 'input' || area === 'masks') {
    const name = checkName(stripExtension(fileName, INPUT_EXTENSION, key), key);
    return { kind: area === 'input' ? 'input' : 'mask', key, userId, name };
  }
  if (area === 'output') {
    const match = OUTPUT_FILES.find((o) => fileName.endsWith(o.suffix) && fileName.length > o.suffix.length);
    if (!match) {
      throw new InvalidKeyError(
        'bad-extension',
        key,
        `expected an output file ending in ${OUTPUT_FILES.map((o) => `"${o.suffix}"`).join(', ')}`,
      );
    }
    const { suffix, ...kind } = match;
    return { ...kind, key, userId, name: checkName(fileName.slice(0, -suffix.length), key) } as DataBucketKey;
  }
  throw new InvalidKeyError('foreign-prefix', key, `unknown area "${area}" under users/{userId}/`);
}

function parseSageMakerKey(key: string, segments: string[]): SageMakerOutputKey {
  if (segments.length === 2) {
    const inferenceId = stripExtension(segments[1] as string, '.out', key);
    if (INFERENCE_ID_PATTERN.test(inferenceId)) return { kind: 'sagemaker-output', key, inferenceId };
  }
  if (segments.length === 3 && segments[1] === 'failures') {
    const inferenceId = stripExtension(segments[2] as string, '-error.out', key);
    if (INFERENCE_ID_PATTERN.test(inferenceId)) return { kind: 'sagemaker-failure', key, inferenceId };
  }
  throw new InvalidKeyError(
    'bad-shape',
    key,
    'expected sagemaker-output/{inferenceId}.out or sagemaker-output/failures/{inferenceId}-error.out',
  );
}

function parseKeyOfKind<K extends KeyKind>(kind: K, key: string): Extract<DataBucketKey, { kind: K }> {
  const parsed = parseDataBucketKey(key);
  if (parsed.kind !== kind) {
    throw new InvalidKeyError(
      'bad-shape',
      key,
      `expected a key of kind "${kind}", got one of kind "${parsed.kind}"`,
    );
  }
  return parsed as Extract<DataBucketKey, { kind: K }>;
}

/** @example parseInputKey('users/u1/input/my photo (1).png').name // 'my photo (1)' */
export const parseInputKey = (key: string): InputKey => parseKeyOfKind('input', key);
/** @example parseOutputKey('users/u1/output/chair.ply').name // 'chair' */
export const parseOutputKey = (key: string): OutputKey => parseKeyOfKind('output', key);
/** @example parseMeshFileKey('users/u1/output/chair.glb') // { name: 'chair', format: 'glb', ... } */
export const parseMeshFileKey = (key: string): MeshFileKey => parseKeyOfKind('mesh-file', key);
export const parseReportKey = (key: string): ReportKey => parseKeyOfKind('report', key);
export const parseFailureKey = (key: string): FailureKey => parseKeyOfKind('failure', key);
export const parseJobDocumentKey = (key: string): JobDocumentKey => parseKeyOfKind('job-document', key);
export const parseMaskKey = (key: string): MaskKey => parseKeyOfKind('mask', key);

function buildUserKey(
  area: 'input' | 'output' | 'masks',
  object: { userId: string; name: string },
  suffix: string,
): string {
  const key = `${USERS_PREFIX}${object.userId}/${area}/${object.name.normalize('NFC')}${suffix}`;
  parseUserId(object.userId, key);
  checkName(object.name, key);
  splitKey(key);
  return key;
}

/** @example buildInputKey({ userId: 'u1', name: 'chair' }) // 'users/u1/input/chair.png' */
export const buildInputKey = (object: { userId: string; name: string }): string =>
  buildUserKey('input', object, INPUT_EXTENSION);
/** @example buildOutputKey({ userId: 'u1', name: 'chair' }) // 'users/u1/output/chair.ply' */
export const buildOutputKey = (object: { userId: string; name: string }): string =>
  buildUserKey('output', object, OUTPUT_EXTENSION);
/**
 * The key of a job's mesh in one format: the PLY's own key for `ply`, else the file next to it.
 *
 * @example buildMeshFileKey({ userId: 'u1', name: 'chair' }, 'glb') // 'users/u1/output/chair.glb'
 */
export function buildMeshFileKey(object: { userId: string; name: string }, format: MeshFormat): string {
  if (!(MESH_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidKeyError(
      'bad-extension',
      `${object.name}.${String(format)}`,
      `unknown mesh format "${format}"`,
    );
  }
  return buildUserKey('output', object, `.${format}`);
}
/** @example buildResultImageKey({ userId: 'u1', name: 'chair' }, 'thumbnail') // 'users/u1/output/chair.thumb.png' */
export const buildResultImageKey = (object: { userId: string; name: string }, image: ResultImage): string =>
  buildUserKey('output', object, RESULT_IMAGES[image]);
export const buildReportKey = (object: { userId: string; name: string }): string =>
  buildUserKey('output', object, REPORT_SUFFIX);
export const buildFailureKey = (object: { userId: string; name: string }): string =>
  buildUserKey('output', object, FAILURE_SUFFIX);
/** @example buildMaskKey({ userId: 'u1', name: 'chair' }) // 'users/u1/masks/chair.png' */
export const buildMaskKey = (object: { userId: string; name: string }): string =>
  buildUserKey('masks', object, INPUT_EXTENSION);

/** @example buildJobDocumentKey({ userId: 'u1', jobId: 'a1b2c3d4e5', document: 'request' }) */
export function buildJobDocumentKey(doc: { userId: string; jobId: string; document: JobDocument }): string {
  const key = `${USERS_PREFIX}${doc.userId}/jobs/${doc.jobId}/${JOB_DOCUMENTS[doc.document]}`;
  parseUserId(doc.userId, key);
  parseJobId(doc.jobId, key);
  return key;
}

/** Every key a job for this input writes, derived from the parsed input (never from raw request strings). */
export function outputKeysFor(input: UserObject): { mesh: string; report: string; failure: string } {
  return { mesh: buildOutputKey(input), report: buildReportKey(input), failure: buildFailureKey(input) };
}

/** The prefix every output of a user lives under. */
export function userOutputPrefix(userId: string): string {
  return `${USERS_PREFIX}${parseUserId(userId)}/output/`;
}

/** @example buildRejectedKey('0123456789abcdef') // 'rejected/0123456789abcdef.failure.json' */
export function buildRejectedKey(jobId: string, document: RejectedKey['document'] = 'failure'): string {
  const key = `${REJECTED_PREFIX}${jobId}${document === 'failure' ? FAILURE_SUFFIX : REJECTED_LOCK_SUFFIX}`;
  parseJobId(jobId, key);
  return key;
}

/** @example buildJobIndexKey('0123456789abcdef') // 'jobs/0123456789abcdef.json' */
export function buildJobIndexKey(jobId: string): string {
  const key = `${JOB_INDEX_PREFIX}${jobId}${JOB_INDEX_SUFFIX}`;
  parseJobId(jobId, key);
  return key;
}

export function buildPublicKey(path: string): string {
  const key = `${PUBLIC_PREFIX}${path}`;
  splitKey(key);
  return key;
}

/** Parses a key of the model bucket: sam3d-model/checkpoints/... or sam3d-model/config/... */
export function parseModelArtifactKey(key: string): ModelArtifactKey {
  const [top, section, ...rest] = splitKey(key);
  if (top !== 'sam3d-model' || (section !== 'checkpoints' && section !== 'config') || rest.length === 0) {
    throw new InvalidKeyError('foreign-prefix', key, 'expected sam3d-model/{checkpoints|config}/{path}');
  }
  return { kind: 'model-artifact', key, section, path: rest.join('/') };
}
