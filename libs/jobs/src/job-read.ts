import {
  DocumentParseError,
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
  JOB_ID_PATTERN,
  type MeshFormat,
  type UserId,
} from '@gen3d/s3-keys';
import { JobDocuments } from './documents';

const MAX_STATUS_BYTES = 64 * 1024;

/** One file a job made, at the version the job wrote. */
export interface StoredFile {
  readonly format: MeshFormat;
  readonly key: string;
  readonly versionId: string | undefined;
  readonly bytes: number;
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
  const none: StoredJob = { status, report: undefined, files: [] };
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
  return { status, report, files: [ply, ...otherFilesOf(status, report)] };
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

/**
 * A job as the API and the CLI describe it (libs/events' JobView): the status, and with a report, the method that
 * made the mesh, its figures and the formats made.
 */
export function jobViewOf(job: Pick<StoredJob, 'status'> & Partial<StoredJob>): JobView {
  const { status, report } = job;
  const mesh = report?.worker.mesh ?? status.mesh;
  return {
    jobId: status.jobId,
    name: status.name,
    state: status.state,
    queuedAt: status.queuedAt,
    ...(status.startedAt ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
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
  };
}

/** A job with a short-lived link to each file it made (`path`: where the file lies, when the store is a folder). */
export interface LinkedJob {
  readonly job: JobView;
  /** The job's report in full (for operators: the CLI's --json), when it can be read. */
  readonly report?: JobReport;
  readonly files: readonly {
    readonly format: MeshFormat;
    readonly bytes: number;
    readonly url: string;
    readonly expiresAt: string;
    readonly path?: string;
  }[];
}

/** The job's view and a link to each of its files, valid for `seconds`. */
export async function linkStoredJob(
  data: BucketStore,
  job: StoredJob,
  seconds: number,
  pathOf?: (file: StoredFile) => Promise<string>,
): Promise<LinkedJob> {
  const files = await Promise.all(
    job.files.map(async (file) => {
      const link = await data.presignGet(file.key, seconds, file.versionId);
      return {
        format: file.format,
        bytes: file.bytes,
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        ...(pathOf ? { path: await pathOf(file) } : {}),
      };
    }),
  );
  return { job: jobViewOf(job), ...(job.report ? { report: job.report } : {}), files };
}
