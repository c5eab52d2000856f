import {
  DocumentParseError,
  JOB_ERRORS,
  jsonParserFor,
  parseFailureDocumentJson,
  parseInferenceRequestJson,
  parseJobReportJson,
  parseJobStatusJson,
  userMessageFor,
  type FailureDocument,
  type InferenceRequest,
  type JobErrorType,
  type JobReport,
  type JobState,
  type JobStatus,
  type MeshFile,
  type ResultImageFile,
} from '@gen3d/events';
import { ObjectMissingError, type BucketStore, type PutResult } from '@gen3d/object-store';
import {
  buildJobDocumentKey,
  buildJobIndexKey,
  buildMeshFileKey,
  buildRejectedKey,
  buildResultImageKey,
  outputKeysFor,
  parseUserId,
  type ExtraMeshFormat,
  type InputKey,
  type JobId,
  type ResultImage,
  type UserId,
} from '@gen3d/s3-keys';
import { z } from 'zod';
import type { Clock } from './ports';

/**
 * The job's documents in one place: how each is built, keyed, written and read.
 *
 *   request  users/{userId}/jobs/{jobId}/request.json      extract → SageMaker InputLocation → sidecar
 *   index    jobs/{jobId}.json                             extract → notify (a SageMaker failure knows only the id)
 *   status   users/{userId}/jobs/{jobId}/status.json       queued (extract) → reconstructing → done (sidecar)
 *                                                          | failed (extract, sidecar or notify)
 *   files    users/{userId}/output/{name}.{glb|stl|3mf|obj}  sidecar, first (the extra formats asked for)
 *   images   users/{userId}/output/{name}.{thumb|mask}.png sidecar, first (the mesh's thumbnail, the mask used)
 *   report   users/{userId}/output/{name}.report.json      sidecar, before the mesh → notify, web
 *   mesh     users/{userId}/output/{name}.ply              sidecar; its metadata names the job and the report version
 *   failure  users/{userId}/output/{name}.failure.json     extract, sidecar → notify
 *            rejected/{jobId}.failure.json                 extract (an upload whose key is unusable) → notify
 *
 * Documents are read at the version an event or a job names, never "the latest": the bucket is versioned, and a
 * second upload under the same name must not answer for the first.
 */

/** Which job: the owner and the id (the two parts of every job document's key). */
export interface JobRef {
  readonly userId: UserId;
  readonly jobId: JobId;
}

/** An object as a job document names it (the exact upload version). */
export type ObjectRef = FailureDocument['input'];

const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Mesh metadata (x-amz-meta-*): how a mesh names its job and the report written for it. */
const MESH_METADATA = { jobId: 'job-id', reportVersionId: 'report-version-id', backend: 'backend' } as const;

/** What a mesh file's metadata says: the job that wrote it, and its report's version. */
export interface MeshMetadata {
  readonly jobId: string | undefined;
  readonly reportVersionId: string | undefined;
}

/** Reads what a mesh file's metadata says (JobDocuments writes it); missing fields are undefined. */
export function readMeshMetadata(metadata: Record<string, string>): MeshMetadata {
  return {
    jobId: metadata[MESH_METADATA.jobId],
    reportVersionId: metadata[MESH_METADATA.reportVersionId],
  };
}

const parseJobIndexJson = jsonParserFor(
  'job index',
  z.object({ version: z.literal(1), jobId: z.string(), userId: z.string() }),
);

/** A failure document for one job (or one rejected upload), `retryable` from the error catalogue. */
export function buildFailureDocument(failure: {
  readonly job: JobRef | { readonly jobId: JobId; readonly userId?: undefined };
  readonly input: ObjectRef;
  readonly stage: FailureDocument['stage'];
  readonly type: JobErrorType;
  readonly message: string;
  readonly at: Date;
}): FailureDocument {
  return {
    version: 1,
    jobId: failure.job.jobId,
    ...(failure.job.userId ? { userId: failure.job.userId } : {}),
    input: failure.input,
    stage: failure.stage,
    error: { type: failure.type, message: failure.message.slice(0, 4000) },
    retryable: JOB_ERRORS[failure.type].retryable,
    failedAt: failure.at.toISOString(),
  };
}

/** What a reader of a report gets: the report, or why there is none it can use (never an exception). */
export type ReportRead =
  { readonly ok: true; readonly report: JobReport } | { readonly ok: false; readonly problem: string };

/**
 * The job documents of one data bucket.
 *
 * @example const docs = new JobDocuments(bindBucket(store, 'gen3d-data-bucket'), () => new Date());
 *          await docs.writeStatus(request, 'reconstructing');
 */
export class JobDocuments {
  constructor(
    readonly data: BucketStore,
    private readonly clock: Clock,
  ) {}

  // ---- request (and its index) ----

  requestKey(job: JobRef): string {
    return buildJobDocumentKey({ userId: job.userId, jobId: job.jobId, document: 'request' });
  }

  /** Writes the request and the job index; returns the request's key (SageMaker's InputLocation). */
  async writeRequest(request: InferenceRequest): Promise<string> {
    const key = this.requestKey(request);
    await this.data.putJson(key, request);
    await this.data.putJson(buildJobIndexKey(request.jobId), {
      version: 1,
      jobId: request.jobId,
      userId: request.userId,
    });
    return key;
  }

  /** The request of a job, or undefined if there is none (the job was never started through extract). */
  async readRequest(job: JobRef): Promise<InferenceRequest | undefined> {
    const text = await this.readText(this.requestKey(job));
    return text === undefined ? undefined : parseInferenceRequestJson(text);
  }

  /** The request of a job known only by its id (a SageMaker failure record), through the job index. */
  async findRequest(jobId: JobId): Promise<InferenceRequest | undefined> {
    const text = await this.readText(buildJobIndexKey(jobId));
    if (text === undefined) return undefined;
    const index = parseJobIndexJson(text);
    if (index.jobId !== jobId) return undefined;
    return this.readRequest({ jobId, userId: parseUserId(index.userId) });
  }

  // ---- status ----

  /**
   * Writes the job's status. Times come from the request (queued) and the clock (each later state), but an end given
   * (`finishedAt`: a done job's report's time, which its result email counts the retention from); a failed status
   * carries the error code and the reason in the plain words the user's email uses.
   */
  async writeStatus(
    request: Pick<InferenceRequest, 'jobId' | 'userId' | 'requestedAt'> & { readonly name: string },
    state: JobState,
    details: {
      readonly startedAt?: Date;
      readonly finishedAt?: Date;
      readonly meshKey?: string;
      readonly meshVersionId?: string;
      readonly reportVersionId?: string;
      readonly mesh?: JobStatus['mesh'];
      readonly error?: JobErrorType;
    } = {},
  ): Promise<JobStatus> {
    const now = this.clock().toISOString();
    const status: JobStatus = {
      version: 2,
      jobId: request.jobId,
      userId: request.userId,
      name: request.name,
      state,
      queuedAt: request.requestedAt,
      ...(details.startedAt ? { startedAt: details.startedAt.toISOString() } : {}),
      ...(state === 'done' || state === 'failed'
        ? { finishedAt: details.finishedAt?.toISOString() ?? now }
        : {}),
      updatedAt: now,
      ...(details.meshKey ? { meshKey: details.meshKey } : {}),
      ...(details.meshVersionId ? { meshVersionId: details.meshVersionId } : {}),
      ...(details.reportVersionId ? { reportVersionId: details.reportVersionId } : {}),
      ...(details.mesh ? { mesh: details.mesh } : {}),
      ...(details.error ? { error: { code: details.error, reason: userMessageFor(details.error) } } : {}),
    };
    await this.data.putJson(
      buildJobDocumentKey({ userId: request.userId, jobId: request.jobId, document: 'status' }),
      status,
    );
    return status;
  }

  /** The job's status as last written, or undefined when none was written yet. */
  async readStatus(job: JobRef): Promise<JobStatus | undefined> {
    const text = await this.readText(
      buildJobDocumentKey({ userId: job.userId, jobId: job.jobId, document: 'status' }),
    );
    return text === undefined ? undefined : parseJobStatusJson(text);
  }

  // ---- failure ----

  /** Where a failure document goes: next to the outputs, or under rejected/ for an upload with no usable key. */
  failureKey(input: InputKey | undefined, jobId: JobId): string {
    return input ? outputKeysFor(input).failure : buildRejectedKey(jobId);
  }

  /** Writes a failure document; `onlyIfAbsent` keeps the first one (a rejected upload delivered twice). */
  async writeFailure(key: string, failure: FailureDocument, onlyIfAbsent = false): Promise<PutResult> {
    return this.data.putJson(key, failure, onlyIfAbsent ? { ifNoneMatch: '*' } : {});
  }

  /** The failure document at exactly the version an event names. */
  async readFailure(key: string, versionId: string | undefined): Promise<FailureDocument | undefined> {
    const text = await this.readText(key, versionId);
    return text === undefined ? undefined : parseFailureDocumentJson(text);
  }

  // ---- report and mesh ----

  /**
   * Writes the mesh in one extra format next to the PLY (before the report, which names the version written here).
   * No S3 notification rule matches these keys: only the PLY, written last, sends the email.
   */
  async writeMeshFile(
    input: InputKey,
    job: { readonly jobId: string },
    file: { readonly format: ExtraMeshFormat; readonly bytes: Uint8Array; readonly contentType: string },
  ): Promise<MeshFile> {
    const key = buildMeshFileKey(input, file.format);
    return { format: file.format, ...(await this.writeJobOutput(key, job, file.bytes, file.contentType)) };
  }

  /**
   * Writes a picture the job made (its thumbnail, the mask it used) next to the mesh, before the report, which names
   * the version written here. The upload trigger's `.png` matches these keys; extract ignores them.
   */
  async writeResultImage(
    input: InputKey,
    job: { readonly jobId: string },
    file: { readonly image: ResultImage; readonly bytes: Uint8Array },
  ): Promise<ResultImageFile> {
    const key = buildResultImageKey(input, file.image);
    return { image: file.image, ...(await this.writeJobOutput(key, job, file.bytes, 'image/png')) };
  }

  /** A file the job made beside its mesh, named for the job (`job-id` metadata): its key, size and version. */
  private async writeJobOutput(
    key: string,
    job: { readonly jobId: string },
    bytes: Uint8Array,
    contentType: string,
  ): Promise<{ key: string; bytes: number; versionId?: string }> {
    const written = await this.data.put(key, bytes, {
      contentType,
      metadata: { [MESH_METADATA.jobId]: job.jobId },
    });
    return { key, bytes: bytes.length, ...(written.versionId ? { versionId: written.versionId } : {}) };
  }

  /** Writes the report (before the mesh); its version id goes into the mesh's metadata. */
  async writeReport(input: InputKey, report: JobReport): Promise<PutResult> {
    return this.data.putJson(outputKeysFor(input).report, report);
  }

  /** The metadata a mesh carries: its job, and which version of the report belongs to it. */
  meshMetadata(job: { jobId: string; backend: string }, report: PutResult): Record<string, string> {
    return {
      [MESH_METADATA.jobId]: job.jobId,
      [MESH_METADATA.backend]: job.backend,
      ...(report.versionId ? { [MESH_METADATA.reportVersionId]: report.versionId } : {}),
    };
  }

  /** Reads what a mesh's metadata says (see {@link meshMetadata}); missing fields are undefined. */
  readMeshMetadata(metadata: Record<string, string>): MeshMetadata {
    return readMeshMetadata(metadata);
  }

  /**
   * The report of a mesh, at the version the mesh names. Never throws for its content: a missing, unreadable or
   * newer-format report is a `problem` the caller logs, and the mesh's email still goes out.
   */
  async readReport(key: string, versionId: string | undefined): Promise<ReportRead> {
    let text: string | undefined;
    try {
      text = await this.readText(key, versionId);
    } catch (error) {
      if (error instanceof ObjectMissingError) return { ok: false, problem: 'the report is missing' };
      throw error;
    }
    if (text === undefined) return { ok: false, problem: 'the report is missing' };
    try {
      return { ok: true, report: parseJobReportJson(text) };
    } catch (error) {
      if (error instanceof DocumentParseError) return { ok: false, problem: error.message };
      throw error;
    }
  }

  private async readText(key: string, versionId?: string): Promise<string | undefined> {
    try {
      return await this.data.getText(key, {
        maxBytes: MAX_DOCUMENT_BYTES,
        ...(versionId ? { versionId } : {}),
      });
    } catch (error) {
      if (error instanceof ObjectMissingError) return undefined;
      throw error;
    }
  }
}
