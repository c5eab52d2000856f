import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DocumentParseError,
  parseJobReport,
  parseJobStatus,
  uploadMetadataFor,
  type JobStatus,
  type UploadOptions,
} from '@gen3d/events';
import { jobIdFor, listJobStatuses, readJobResult } from '@gen3d/jobs';
import { bindBucket, createS3Client, S3ObjectStore, type BucketStore } from '@gen3d/object-store';
import {
  buildInputKey,
  buildJobDocumentKey,
  buildMaskKey,
  buildMeshFileKey,
  parseUserId,
  type MeshFormat,
} from '@gen3d/s3-keys';

/** What the CLI shows of a job: its status document, and where its mesh is once there is one. */
export interface JobView {
  readonly status: JobStatus;
  /** The mesh in the local data folder (local stack only). */
  readonly meshPath?: string;
  readonly meshLink?: { readonly url: string; readonly expiresAt: string };
  readonly report?: unknown;
  /** The local stack's links to the mesh in each format it was made in (the PLY's is `meshLink`). */
  readonly files?: readonly { readonly format: string; readonly url: string }[];
}

export interface Submission {
  readonly name: string;
  readonly image: Uint8Array;
  readonly mask?: Uint8Array;
  readonly email?: string;
  /** The job's options (quality, prompts, formats, face budget), as the upload metadata carries them. */
  readonly options: UploadOptions;
}

/** The two worlds the CLI talks to, behind one interface. */
export interface JobClient {
  readonly where: string;
  submit(submission: Submission): Promise<{ jobId: string; key: string }>;
  job(jobId: string): Promise<JobView | undefined>;
  jobs(): Promise<JobView[]>;
  /** The mesh in one format; a format the job did not make is a StackError that says which it made. */
  download(view: JobView, format: MeshFormat): Promise<Uint8Array>;
}

/**
 * The file of one format of a finished job, from its report: the key (built, never read from the report) and the
 * version the job wrote. @throws StackError when the job did not make that format.
 */
export function meshFileOf(view: JobView, format: MeshFormat): { key: string; versionId?: string } {
  const { status } = view;
  const key = buildMeshFileKey({ userId: status.userId, name: status.name }, format);
  if (format === 'ply') {
    return {
      key: status.meshKey ?? key,
      ...(status.meshVersionId ? { versionId: status.meshVersionId } : {}),
    };
  }
  let files: readonly { format: string; versionId?: string }[] = [];
  try {
    files = parseJobReport(view.report).output.files ?? [];
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
  }
  const file = files.find((f) => f.format === format);
  if (!file) {
    const made = files.length > 0 ? files.map((f) => f.format).join(', ') : 'ply';
    throw new StackError(`job ${status.jobId} made no ${format.toUpperCase()} (it made: ${made})`);
  }
  return { key, ...(file.versionId ? { versionId: file.versionId } : {}) };
}

/** The stack is not there (not started, wrong port, no AWS credentials): exit code 3. */
export class StackUnreachableError extends Error {
  override readonly name = 'StackUnreachableError';
}

/** The stack answered with an error. */
export class StackError extends Error {
  override readonly name = 'StackError';
}

/** The local stack (`npm start`), over its operator routes `/local/…` with the token from `.gen3d/operator.token`. */
export async function localClient(options: {
  stackUrl: string;
  home: string;
  userId: string;
}): Promise<JobClient> {
  let token: string;
  try {
    token = (await readFile(path.join(options.home, 'operator.token'), 'utf8')).trim();
  } catch {
    throw new StackUnreachableError(
      `the local stack has never run here (no ${path.join(options.home, 'operator.token')}): start it with \`npm start\``,
    );
  }
  const call = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${options.stackUrl}/local${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new StackUnreachableError(
        `the local stack is not running on ${options.stackUrl} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}): start it with \`npm start\`, or use --aws`,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (response.status === 404 && method === 'GET' && route.startsWith('/jobs/')) return undefined;
    if (!response.ok)
      throw new StackError(`the local stack refused: ${answer.error?.message ?? response.status}`);
    return answer;
  };
  const user = encodeURIComponent(options.userId);
  return {
    where: options.stackUrl,
    async submit(submission) {
      const forms = (await call('POST', '/uploads', {
        userId: options.userId,
        name: submission.name,
        ...(submission.email ? { email: submission.email } : {}),
        ...submission.options,
        ...(submission.mask ? { mask: true } : {}),
      })) as { key: string; upload: Form; maskUpload?: Form };
      if (submission.mask && forms.maskUpload) await postForm(forms.maskUpload, submission.mask);
      const uploaded = await postForm(forms.upload, submission.image);
      const query = new URLSearchParams({
        userId: options.userId,
        key: forms.key,
        ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
        ...(uploaded.eTag ? { eTag: uploaded.eTag } : {}),
      });
      const { jobId } = (await call('GET', `/jobs/by-upload?${query.toString()}`)) as { jobId: string };
      return { jobId, key: forms.key };
    },
    async job(jobId) {
      return (await call('GET', `/jobs/${encodeURIComponent(jobId)}?userId=${user}`)) as JobView | undefined;
    },
    async jobs() {
      return ((await call('GET', `/jobs?userId=${user}`)) as { jobs: JobView[] }).jobs;
    },
    async download(view, format) {
      meshFileOf(view, format); // the job made it (else: which formats it did make)
      const link = format === 'ply' ? view.meshLink : view.files?.find((f) => f.format === format);
      if (!link) throw new StackError(`the local stack gives no ${format.toUpperCase()} link for this job`);
      const response = await fetch(link.url);
      if (!response.ok) throw new StackError(`the mesh link answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

interface Form {
  readonly url: string;
  readonly fields: Record<string, string>;
}

/** A browser-style POST upload (fields, then the file), as S3 and the local stack take it. */
async function postForm(form: Form, file: Uint8Array): Promise<{ eTag?: string; versionId?: string }> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', new Blob([Buffer.from(file)], { type: form.fields['Content-Type'] ?? 'image/png' }));
  let response: Response;
  try {
    response = await fetch(form.url, { method: 'POST', body });
  } catch (error) {
    throw new StackUnreachableError(`the upload to ${form.url} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok)
    throw new StackError(`the upload was refused (${response.status}): ${text.slice(0, 300)}`);
  const eTag = response.headers.get('etag') ?? undefined;
  const versionId = response.headers.get('x-amz-version-id') ?? undefined;
  return { ...(eTag ? { eTag } : {}), ...(versionId ? { versionId } : {}) };
}

/**
 * The deployed stack, with the usual AWS configuration (profile, region, credentials): the upload is a PutObject
 * into the data bucket with the metadata the extract lambda reads, as an operator would; status documents are read
 * from the bucket and the mesh comes through a presigned link.
 */
export function awsClient(options: { bucket: string; userId: string }): JobClient {
  const data: BucketStore = bindBucket(new S3ObjectStore(createS3Client()), options.bucket);
  const view = async (jobId: string): Promise<JobView | undefined> => {
    const key = buildJobDocumentKey({ userId: options.userId, jobId, document: 'status' });
    let status: JobStatus;
    try {
      if (!(await data.head(key))) return undefined;
      status = parseJobStatus(JSON.parse(Buffer.from(await data.get(key, 1024 * 1024)).toString('utf8')));
    } catch (error) {
      throw asUnreachable(error, options.bucket);
    }
    return viewOf(status);
  };
  /** The job's own mesh and report, at the versions its status records. */
  const viewOf = async (status: JobStatus): Promise<JobView> => {
    const result = await readJobResult(data, status);
    if (!result) return { status };
    const link = await data.presignGet(result.mesh.key, 3600, result.mesh.versionId);
    return {
      status,
      meshLink: { url: link.url, expiresAt: link.expiresAt.toISOString() },
      ...(result.report ? { report: result.report } : {}),
    };
  };
  return {
    where: `s3://${options.bucket}`,
    async submit(submission) {
      const key = buildInputKey({ userId: options.userId, name: submission.name });
      const metadata: Record<string, string> = {
        ...(submission.email ? { email: submission.email } : {}),
        ...uploadMetadataFor(submission.options),
      };
      try {
        if (submission.mask) {
          const maskKey = buildMaskKey({ userId: options.userId, name: submission.name });
          await data.put(maskKey, submission.mask, { contentType: 'image/png' });
          metadata['mask'] = maskKey;
        }
        const put = await data.put(key, submission.image, { contentType: 'image/png', metadata });
        const jobId = jobIdFor({
          bucket: options.bucket,
          key,
          ...(put.versionId ? { versionId: put.versionId } : {}),
          ...(put.eTag ? { eTag: put.eTag.replace(/"/g, '') } : {}),
        });
        return { jobId, key };
      } catch (error) {
        throw asUnreachable(error, options.bucket);
      }
    },
    job: view,
    async jobs() {
      const statuses = await listJobStatuses(data, parseUserId(options.userId), { max: 200 }).catch(
        (error: unknown) => {
          throw asUnreachable(error, options.bucket);
        },
      );
      return Promise.all(statuses.map(viewOf));
    },
    async download(job, format) {
      if (!job.status.meshKey) throw new StackError('the job has no mesh');
      const file = meshFileOf(job, format);
      return data.get(file.key, 2 * 1024 * 1024 * 1024, file.versionId);
    },
  };
}

function asUnreachable(error: unknown, bucket: string): Error {
  const name = (error as Error).name;
  if (
    [
      'CredentialsProviderError',
      'NoSuchBucket',
      'AccessDenied',
      'InvalidAccessKeyId',
      'TimeoutError',
    ].includes(name)
  ) {
    return new StackUnreachableError(
      `cannot use s3://${bucket} with this AWS configuration: ${name}: ${(error as Error).message}`,
    );
  }
  return error as Error;
}
