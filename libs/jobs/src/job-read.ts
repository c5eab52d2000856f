import {
  DocumentParseError,
  jobEndedAt,
  keptUntil,
  parseJobStatusJson,
  type JobReport,
  type JobStatus,
  type JobView,
} from '@gen3d/events';
import { ObjectMissingError, type BucketStore } from '@gen3d/object-store';
import {
  buildJobDocumentKey,
  buildMeshFileKey,
  buildReportKey,
  buildResultImageKey,
  JOB_ID_PATTERN,
  type MeshFormat,
  type ResultImage,
  type UserId,
} from '@gen3d/s3-keys';
import { JobDocuments } from './documents';

const MAX_STATUS_BYTES = 64 * 1024;

/** Something a job wrote, at the version the job wrote. */
interface StoredOutput {
  readonly key: string;
  readonly versionId: string | undefined;
  readonly bytes: number;
}

/** One file a job made, at the version the job wrote. */
export interface StoredFile extends StoredOutput {
  readonly format: MeshFormat;
}

/** A picture the job made beside its mesh (its thumbnail, the mask it used), at the version the job wrote. */
export interface StoredImage extends StoredOutput {
  readonly image: ResultImage;
}

/**
 * The one read model of a job: its status document, and what it made read at the versions its status records (the
 * sidecar writes them there), so that a later upload under the same name never answers for this job. The web API,
 * the local stack's operator routes and the CLI all read jobs through it.
 */
export interface StoredJob {
  readonly status: JobStatus;
  /** The job's own report, when it can be read (a missing or unreadable one leaves the mesh usable). */
  readonly report: JobReport | undefined;
  /** The mesh files, the PLY first; empty while the job is not done, and when its mesh is gone. */
  readonly files: readonly StoredFile[];
  /** The pictures its report names (under the job's own keys); empty without a report, and for older jobs. */
  readonly images: readonly StoredImage[];
}

/**
 * The status document of one of a user's jobs; undefined for an id that is not a job id, a job that is not there or
 * another user's, and a status that cannot be read.
 */
export async function readJobStatus(
  data: BucketStore,
  userId: UserId,
  jobId: string,
): Promise<JobStatus | undefined> {
  if (!JOB_ID_PATTERN.test(jobId)) return undefined;
  try {
    const status = parseJobStatusJson(
      await data.getText(buildJobDocumentKey({ userId, jobId, document: 'status' }), {
        maxBytes: MAX_STATUS_BYTES,
      }),
    );
    return status.userId === userId ? status : undefined;
  } catch (error) {
    if (error instanceof DocumentParseError || error instanceof ObjectMissingError) return undefined;
    throw error;
  }
}

/**
 * A job with what it made. A status written before versions were recorded falls back to the mesh under the name,
 * and only when that mesh's metadata names this job.
 *
 * @example const job = await readStoredJob(data, status); job.files[0]?.versionId
 */
export async function readStoredJob(data: BucketStore, status: JobStatus): Promise<StoredJob> {
  const none: StoredJob = { status, report: undefined, files: [], images: [] };
  if (status.state !== 'done' || status.meshKey === undefined) return none;
  let info;
  try {
    info = await data.head(status.meshKey, status.meshVersionId);
  } catch (error) {
    if (error instanceof ObjectMissingError) return none;
    throw error;
  }
  if (!info) return none;
  const docs = new JobDocuments(data, () => new Date());
  const named = docs.readMeshMetadata(info.metadata);
  // A mesh another upload wrote under the same name is not this job's.
  if (named.jobId !== undefined && named.jobId !== status.jobId) return none;
  const read = await docs.readReport(
    buildReportKey({ userId: status.userId, name: status.name }),
    status.reportVersionId ?? named.reportVersionId,
  );
  const report = read.ok && read.report.jobId === status.jobId ? read.report : undefined;
  const ply: StoredFile = {
    format: 'ply',
    key: status.meshKey,
    versionId: status.meshVersionId ?? info.versionId,
    bytes: info.size,
  };
  return { status, report, files: [ply, ...otherFilesOf(status, report)], images: imagesOf(status, report) };
}

/** The pictures the report names, each only under the key built for this job's name (never another user's key). */
function imagesOf(status: JobStatus, report: JobReport | undefined): StoredImage[] {
  return (report?.output.images ?? [])
    .filter((i) => i.key === buildResultImageKey(status, i.image))
    .map((i) => ({ image: i.image, key: i.key, versionId: i.versionId, bytes: i.bytes }));
}

/** The other formats, at the versions the job's report names (written before it, by this job, under built keys). */
function otherFilesOf(status: JobStatus, report: JobReport | undefined): StoredFile[] {
  return (report?.output.files ?? [])
    .filter((f) => f.format !== 'ply' && f.key === buildMeshFileKey(status, f.format))
    .map((f) => ({ format: f.format, key: f.key, versionId: f.versionId, bytes: f.bytes }));
}

/** The file of one format, when the job made it. */
export function storedFileOf(job: StoredJob, format: MeshFormat): StoredFile | undefined {
  return job.files.find((f) => f.format === format);
}

/** The picture of one kind, when the job made it. */
export function storedImageOf(job: StoredJob, image: ResultImage): StoredImage | undefined {
  return job.images.find((i) => i.image === image);
}

/** What a view adds to the job's own documents: the retention setting (RETENTION_DAYS) for `keptUntil`. */
export interface ViewOptions {
  readonly retentionDays?: number;
}

/**
 * A job as the API and the CLI describe it (libs/events' JobView): the status, and with a report, the method that
 * made the mesh, its figures, the formats and pictures made; with the retention setting, until when its files stay
 * (counted from when it ended; absent while it runs).
 */
export function jobViewOf(
  job: Pick<StoredJob, 'status'> & Partial<StoredJob>,
  options: ViewOptions = {},
): JobView {
  const { status, report } = job;
  const images = job.images ?? [];
  const mesh = report?.worker.mesh ?? status.mesh;
  // One end for the view and for the result email's "kept until" (jobEndedAt): the report's, else the status's.
  const endedAt = jobEndedAt(job);
  return {
    jobId: status.jobId,
    name: status.name,
    state: status.state,
    queuedAt: status.queuedAt,
    ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    ...(endedAt ? { finishedAt: endedAt } : {}),
    updatedAt: status.updatedAt,
    ...(status.error ? { error: { code: status.error.code, reason: status.error.reason } } : {}),
    ...(mesh ? { mesh: { vertices: mesh.vertices, faces: mesh.faces, watertight: mesh.watertight } } : {}),
    ...(report
      ? {
          method: report.worker.method,
          backend: report.worker.backend,
          timingsMs: report.timingsMs,
          formats: report.output.files?.map((f) => f.format) ?? ['ply'],
        }
      : {}),
    ...(images.length > 0 ? { images: images.map((i) => i.image) } : {}),
    ...(options.retentionDays !== undefined && endedAt
      ? { keptUntil: keptUntil(new Date(endedAt), options.retentionDays).toISOString() }
      : {}),
  };
}

/** A short-lived link to one stored object (`path`: where it lies, when the store is a folder). */
interface Link {
  readonly bytes: number;
  readonly url: string;
  readonly expiresAt: string;
  readonly path?: string;
}

/** A job with a short-lived link to each file and picture it made (`path`: when the store is a folder). */
export interface LinkedJob {
  readonly job: JobView;
  /** The job's report in full (for operators: the CLI's --json), when it can be read. */
  readonly report?: JobReport;
  readonly files: readonly (Link & { readonly format: MeshFormat })[];
  /** The thumbnail and the mask, when the job made them. */
  readonly images: readonly (Link & { readonly image: ResultImage })[];
}

/** How {@link linkStoredJob} links: for how long, where a version lies on disk (folder store), the view's options. */
export interface LinkOptions extends ViewOptions {
  readonly pathOf?: (object: { key: string; versionId: string | undefined }) => Promise<string>;
}

/** The job's view and a link to each of its files and pictures, valid for `seconds`. */
export async function linkStoredJob(
  data: BucketStore,
  job: StoredJob,
  seconds: number,
  options: LinkOptions = {},
): Promise<LinkedJob> {
  const link = async (object: StoredOutput) => {
    const signed = await data.presignGet(object.key, seconds, object.versionId);
    return {
      bytes: object.bytes,
      url: signed.url,
      expiresAt: signed.expiresAt.toISOString(),
      ...(options.pathOf ? { path: await options.pathOf(object) } : {}),
    };
  };
  const files = await Promise.all(job.files.map(async (f) => ({ format: f.format, ...(await link(f)) })));
  const images = await Promise.all(job.images.map(async (i) => ({ image: i.image, ...(await link(i)) })));
  return { job: jobViewOf(job, options), ...(job.report ? { report: job.report } : {}), files, images };
}
