import {
  DocumentParseError,
  type InferenceRequest,
  type JobOptions,
  type JobStatus,
  uploadMetadataFor,
  type UploadOptions,
} from '@gen3d/events';
import { ObjectMissingError, type BucketStore } from '@gen3d/object-store';
import {
  buildFailureKey,
  buildInputKey,
  buildJobIndexKey,
  buildReportKey,
  InvalidKeyError,
  JOB_ID_PATTERN,
  MAX_NAME_BYTES,
  parseInputKey,
  parseMaskKey,
  utf8Bytes,
} from '@gen3d/s3-keys';
import { JobDocuments } from './documents';
import { jobIdFor } from './job-id';
import { readStoredJob, type StoredJob } from './job-read';
import { RetryRefusedError } from './errors';
import { isAddressConfirmed } from './web';

/** What a stored version is to its job. */
export type JobVersionRole = 'input' | 'mask' | 'output' | 'document';

/** One stored version that belongs to a job (`versionId` undefined: an unversioned write, the key itself). */
export interface JobVersion {
  readonly role: JobVersionRole;
  readonly key: string;
  readonly versionId: string | undefined;
}

/** How many versions of each role a deletion removed. */
export type DeletedCounts = Readonly<Record<JobVersionRole, number>>;

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * The job's request (where its picture is, at which version, and its options), or undefined when there is none or it
 * cannot be read (a job refused before extract wrote one).
 */
export async function readJobRequest(
  data: BucketStore,
  status: Pick<JobStatus, 'userId' | 'jobId'>,
): Promise<InferenceRequest | undefined> {
  try {
    const request = await new JobDocuments(data, () => new Date()).readRequest(status);
    return request?.userId === status.userId && request.jobId === status.jobId ? request : undefined;
  } catch (error) {
    if (error instanceof DocumentParseError) return undefined;
    throw error;
  }
}

/**
 * Every stored version a job made or was made from, and only those: the upload version its request names (not a
 * later upload under the same name), the mask version it used, the outputs at the versions it wrote (mesh files and
 * pictures from its status and report; report and failure versions that name the job), and all its job documents.
 *
 * @example for (const v of await jobVersionsOf(data, status)) await data.delete(v.key, v.versionId);
 */
export async function jobVersionsOf(data: BucketStore, status: JobStatus): Promise<JobVersion[]> {
  const request = await readJobRequest(data, status);
  const stored = await readStoredJob(data, status);
  // A version the job did not record is not deleted: without its id, a delete would hide another job's file.
  const outputs = [...stored.files, ...stored.images]
    .filter((o) => o.versionId !== undefined)
    .map((o): JobVersion => ({ role: 'output', key: o.key, versionId: o.versionId }));
  const documentsNaming = await Promise.all(
    [buildReportKey(status), buildFailureKey(status)].map((key) =>
      versionsNamingJob(data, key, status.jobId),
    ),
  );
  const documents = [
    ...(await data.listVersions(`users/${status.userId}/jobs/${status.jobId}/`)),
    ...(await data.listVersions(buildJobIndexKey(status.jobId))).filter(
      (v) => v.key === buildJobIndexKey(status.jobId),
    ),
  ].map((v): JobVersion => ({ role: 'document', key: v.key, versionId: v.versionId }));
  return unique([
    ...outputs,
    ...documentsNaming.flat().map((v): JobVersion => ({ role: 'output', ...v })),
    ...(request ? await uploadsOf(data, status, request) : await uploadWithoutRequest(data, status)),
    ...documents,
  ]);
}

/**
 * Deletes every version {@link jobVersionsOf} finds, for good: outputs first, the job's documents last (its status
 * the very last), so that a deletion that stops half-way leaves the job listed and deletable again. A key left with
 * delete markers only is removed too; a key that still holds another job's version keeps it.
 */
export async function deleteJobVersions(data: BucketStore, status: JobStatus): Promise<DeletedCounts> {
  const versions = await jobVersionsOf(data, status);
  const order: JobVersionRole[] = ['output', 'mask', 'input', 'document'];
  const statusKey = `users/${status.userId}/jobs/${status.jobId}/status.json`;
  const sorted = [...versions].sort(
    (a, b) =>
      order.indexOf(a.role) - order.indexOf(b.role) ||
      Number(a.key === statusKey) - Number(b.key === statusKey),
  );
  const counts: Record<JobVersionRole, number> = { input: 0, mask: 0, output: 0, document: 0 };
  for (const version of sorted) {
    await data.delete(version.key, version.versionId);
    counts[version.role] += 1;
  }
  for (const key of new Set(sorted.map((v) => v.key))) await dropBareMarkers(data, key);
  return counts;
}

/** A key whose remaining versions are all delete markers holds nothing: the markers go too. */
async function dropBareMarkers(data: BucketStore, key: string): Promise<void> {
  const left = (await data.listVersions(key)).filter((v) => v.key === key);
  if (left.length === 0 || left.some((v) => !v.deleteMarker)) return;
  for (const marker of left) await data.delete(key, marker.versionId);
}

/** The upload version the request names and the mask version it used (the newest written before the request). */
async function uploadsOf(
  data: BucketStore,
  status: JobStatus,
  request: InferenceRequest,
): Promise<JobVersion[]> {
  const found: JobVersion[] = [];
  const input = request.input;
  if (
    input.bucket === data.bucket &&
    input.versionId !== undefined &&
    ownKey(() => parseInputKey(input.key).userId, status)
  ) {
    found.push({ role: 'input', key: input.key, versionId: input.versionId });
  }
  const maskKey = request.options.maskKey;
  if (maskKey !== undefined && ownKey(() => parseMaskKey(maskKey).userId, status)) {
    const before = Date.parse(request.requestedAt);
    const used = (await data.listVersions(maskKey)).find(
      (v) => v.key === maskKey && !v.deleteMarker && (v.lastModified?.getTime() ?? Infinity) <= before + 1000,
    );
    if (used) found.push({ role: 'mask', key: maskKey, versionId: used.versionId });
  }
  return found;
}

/**
 * The upload of a job refused before extract wrote its request (a picture that is not a PNG, a limit reached): the
 * version of the name's input key whose id, ETag and key give this job's id, as extract derived it.
 */
async function uploadWithoutRequest(data: BucketStore, status: JobStatus): Promise<JobVersion[]> {
  const key = buildInputKey(status);
  const versions = (await data.listVersions(key)).filter((v) => v.key === key && !v.deleteMarker);
  for (const version of versions) {
    const info = await data.head(key, version.versionId);
    const jobId = jobIdFor({
      bucket: data.bucket,
      key,
      versionId: version.versionId,
      eTag: info?.eTag?.replace(/"/g, ''),
    });
    if (jobId === status.jobId) return [{ role: 'input', key, versionId: version.versionId }];
  }
  return [];
}

function ownKey(userOf: () => string, status: JobStatus): boolean {
  try {
    return userOf() === status.userId;
  } catch (error) {
    if (error instanceof InvalidKeyError) return false;
    throw error;
  }
}

/** The versions of a JSON document (report, failure) whose `jobId` is this job's. */
async function versionsNamingJob(
  data: BucketStore,
  key: string,
  jobId: string,
): Promise<{ key: string; versionId: string }[]> {
  const versions = (await data.listVersions(key)).filter((v) => v.key === key && !v.deleteMarker);
  const naming = await Promise.all(
    versions.map(async (v) => {
      try {
        const text = await data.getText(key, { versionId: v.versionId, maxBytes: MAX_DOCUMENT_BYTES });
        return (JSON.parse(text) as { jobId?: unknown }).jobId === jobId;
      } catch (error) {
        if (error instanceof ObjectMissingError || error instanceof SyntaxError) return false;
        throw error;
      }
    }),
  );
  return versions.filter((_, i) => naming[i]).map((v) => ({ key, versionId: v.versionId }));
}

function unique(versions: JobVersion[]): JobVersion[] {
  const seen = new Set<string>();
  return versions.filter((v) => {
    const id = `${v.key}\n${v.versionId ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * The options of a retry: the new prompts and shape as given (what is left out is not carried over), the first job's
 * other choices (method, quality, formats, face budget) kept; never its mask, which was drawn for other prompts.
 */
export function retryOptionsOf(
  first: JobOptions,
  retry: Pick<UploadOptions, 'point' | 'points' | 'box' | 'shape'>,
): UploadOptions {
  return {
    backend: first.backend,
    quality: first.quality,
    ...(first.formats ? { formats: first.formats } : {}),
    ...(first.targetFaces !== undefined ? { targetFaces: first.targetFaces } : {}),
    ...(retry.point ? { point: retry.point } : {}),
    ...(retry.points && retry.points.length > 0 ? { points: retry.points } : {}),
    ...(retry.box ? { box: retry.box } : {}),
    ...(retry.shape ? { shape: retry.shape } : {}),
  };
}

/**
 * Copies the picture a job was made from (the version its request names) to a new upload key with the metadata given:
 * the extract function takes it like any upload. Answers the new upload's version and the id its job will have.
 *
 * @example await copyJobInput(data, request, { key: 'users/u1/input/cup-1a2b3c4d.png', metadata }, maxBytes)
 */
export async function copyJobInput(
  data: BucketStore,
  request: InferenceRequest,
  to: { readonly key: string; readonly metadata: Record<string, string> },
  maxBytes: number,
): Promise<{ readonly jobId: string; readonly versionId: string | undefined }> {
  const bytes = await data.get(request.input.key, maxBytes, request.input.versionId);
  const written = await data.put(to.key, bytes, { contentType: 'image/png', metadata: to.metadata });
  const jobId = jobIdFor({
    bucket: data.bucket,
    key: to.key,
    ...(written.versionId ? { versionId: written.versionId } : {}),
    ...(written.eTag ? { eTag: written.eTag.replace(/"/g, '') } : {}),
  });
  return { jobId, versionId: written.versionId };
}

/** The upload metadata a retry's copy carries: the job it re-runs (JobView.retryOf). */
export const RETRY_OF_METADATA = 'retry-of';

/**
 * The job this one re-ran, from its upload's metadata (at the version its report or, without a report, its request
 * names: the same upload); undefined for a first job, and when the upload or its request is gone.
 *
 * @example await readRetryOf(data, await readStoredJob(data, status)) // '0123456789abcdef…' or undefined
 */
export async function readRetryOf(
  data: BucketStore,
  job: Pick<StoredJob, 'status'> & Partial<Pick<StoredJob, 'report'>>,
): Promise<string | undefined> {
  // A done job's report names the upload its request does (the sidecar copies it): one read fewer.
  const input = job.report?.input ?? (await readJobRequest(data, job.status))?.input;
  if (!input || input.bucket !== data.bucket) return undefined;
  const upload = await data.head(input.key, input.versionId);
  const retryOf = upload?.metadata[RETRY_OF_METADATA];
  return retryOf !== undefined && JOB_ID_PATTERN.test(retryOf) ? retryOf : undefined;
}

/** The random suffix every upload name ends with (8 hex digits: the web's and an operator's retry's). */
const UPLOAD_SUFFIX = /-[0-9a-f]{8}$/;

/**
 * The stem a retry of job `name` is named from: the name without its upload's suffix, so that a retry of a retry is no
 * longer than the first (a name a CLI user gave without a suffix keeps its whole text).
 *
 * @example retryStemOf('cup-1a2b3c4d') // 'cup'
 */
export function retryStemOf(name: string): string {
  return name.replace(UPLOAD_SUFFIX, '');
}

/**
 * The name of an operator's retry: the stem of the job's name (cut to whole characters where needed) and a suffix,
 * within MAX_NAME_BYTES of UTF-8 however often it is retried.
 *
 * @example retryNameOf('cup-1a2b3c4d', '5e6f7a8b') // 'cup-5e6f7a8b'
 */
export function retryNameOf(name: string, suffix: string): string {
  const room = MAX_NAME_BYTES - utf8Bytes(`-${suffix}`);
  let stem = [...retryStemOf(name)];
  while (stem.length > 0 && utf8Bytes(stem.join('')) > room) stem = stem.slice(0, -1);
  return `${stem.join('').trim() || 'picture'}-${suffix}`;
}

/**
 * An operator's retry (the CLI, the local stack's operator routes): the job's picture at the version its request
 * names, copied to `{stem}-{suffix}` (retryNameOf) as an operator's upload (no grant: no quota), to the same address as the first
 * job, with the retry's prompts and `retry-of`. The web API's retry grants it like an upload instead.
 *
 * @example await retryAsOperator(data, status, { box }, { maxBytes, suffix: '1a2b3c4d' })
 */
export async function retryAsOperator(
  data: BucketStore,
  status: JobStatus,
  retry: Pick<UploadOptions, 'point' | 'points' | 'box' | 'shape'>,
  options: { readonly maxBytes: number; readonly suffix: string },
): Promise<{ readonly jobId: string; readonly name: string; readonly key: string }> {
  const request = await readJobRequest(data, status);
  const picture = request && (await data.head(request.input.key, request.input.versionId));
  if (!request || !picture)
    throw new RetryRefusedError('gone', `the picture of job ${status.jobId} is no longer stored`);
  const name = retryNameOf(status.name, options.suffix);
  const key = buildInputKey({ userId: status.userId, name });
  const email = picture.metadata['email'];
  if (email && picture.metadata['access'] && !(await isAddressConfirmed(data, email, status.userId))) {
    throw new RetryRefusedError(
      'unconfirmed',
      `job ${status.jobId} is a web upload whose address was never confirmed: it can be retried from the web page only`,
    );
  }
  const metadata = {
    ...(email ? { email } : {}),
    ...uploadMetadataFor(retryOptionsOf(request.options, retry)),
    [RETRY_OF_METADATA]: status.jobId,
  };
  const copy = await copyJobInput(data, request, { key, metadata }, options.maxBytes);
  return { jobId: copy.jobId, name, key };
}
