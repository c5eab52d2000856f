import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uploadMetadataFor, type UploadOptions } from '@gen3d/events';
import { jobIdFor, JobStillRunningError, operatorJobs, RetryRefusedError, type LinkedJob } from '@gen3d/jobs';
import { bindBucket, createS3Client, S3ObjectStore, type BucketStore } from '@gen3d/object-store';
import { buildInputKey, buildMaskKey, parseUserId, type MeshFormat } from '@gen3d/s3-keys';
import { failureQueueClients, lambdaEventInvoker, openFailureQueue } from './aws-failure-queues';
import { redriveFailureQueue, type FailureQueue, type LeftMessage } from './failure-queues';

export type { LinkedJob } from '@gen3d/jobs';

/** How long the links the CLI prints (and downloads through) work. */
const LINK_SECONDS = 3600;
/** The largest picture a retry copies, and the largest file an export reads (a mesh can be large). */
const MAX_PICTURE_BYTES = 100 * 1024 * 1024;
const MAX_EXPORT_BYTES = 2 * 1024 * 1024 * 1024;

/** A retry's new prompts and shape. */
export type RetryOptions = Pick<UploadOptions, 'point' | 'points' | 'box' | 'shape'>;

/** What one queue's redrive sent back through the pipeline. */
export interface Redriven {
  readonly queue: string;
  readonly moved: number;
  readonly jobs: readonly string[];
  /** --aws only: records read (with dryRun, what would be sent), S3 keys that name no job, messages left and why. */
  readonly found?: number;
  readonly keys?: readonly string[];
  readonly left?: readonly LeftMessage[];
}

/** What a redrive reads: the local stack's dead-letter folders take no choice; --aws reads these queues. */
export interface RedriveOptions {
  /** The on-failure queues, by name. */
  readonly queues: readonly string[];
  /** List what would be sent; send and delete nothing. */
  readonly dryRun: boolean;
}

export interface Submission {
  readonly name: string;
  readonly image: Uint8Array;
  readonly mask?: Uint8Array;
  readonly email?: string;
  /** The job's options (quality, prompts, formats, face budget), as the upload metadata carries them. */
  readonly options: UploadOptions;
}

/** Where jobs are: the local stack or the deployed one. Both answer with the one read model (libs/jobs). */
interface JobSource {
  readonly where: string;
  submit(submission: Submission): Promise<{ jobId: string; key: string }>;
  job(jobId: string): Promise<LinkedJob | undefined>;
  jobs(): Promise<LinkedJob[]>;
  /** A new job on the same picture with other prompts; undefined when there is no such job. */
  retry(jobId: string, options: RetryOptions): Promise<{ jobId: string; name: string } | undefined>;
  /** Every stored version of the job, deleted; how many of each kind, or undefined when there is no such job. */
  remove(jobId: string): Promise<Record<string, number> | undefined>;
  /** Every current file of the user written under `folder`, keys kept as paths. */
  exportTo(folder: string): Promise<{ files: number; bytes: number }>;
  /** Sends the dead letters (local stack) or the on-failure records (AWS) through the pipeline again. */
  redrive(options: RedriveOptions): Promise<Redriven[]>;
}

/** The one client of the CLI, for AWS and the local stack alike. */
export interface JobClient extends JobSource {
  /** The mesh in one format; a format the job did not make is a StackError that says which it made. */
  download(job: LinkedJob, format: MeshFormat): Promise<Uint8Array>;
}

function clientOf(source: JobSource): JobClient {
  return {
    where: source.where,
    submit: (submission) => source.submit(submission),
    job: (jobId) => source.job(jobId),
    jobs: () => source.jobs(),
    retry: (jobId, options) => source.retry(jobId, options),
    remove: (jobId) => source.remove(jobId),
    exportTo: (folder) => source.exportTo(folder),
    redrive: (options) => source.redrive(options),
    async download(linked, format) {
      const file = linked.files.find((f) => f.format === format);
      if (!file) {
        const made = linked.files.map((f) => f.format).join(', ') || 'nothing';
        throw new StackError(`job ${linked.job.jobId} made no ${format.toUpperCase()} (it made: ${made})`);
      }
      let response: Response;
      try {
        response = await fetch(file.url, { signal: AbortSignal.timeout(300_000) });
      } catch (error) {
        throw new StackUnreachableError(`the mesh link did not answer: ${(error as Error).message}`);
      }
      if (!response.ok) throw new StackError(`the mesh link answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
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
  const call = operatorCaller(options.stackUrl, token);
  const user = encodeURIComponent(options.userId);
  return clientOf({
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
      return (await call('GET', `/jobs/${encodeURIComponent(jobId)}?userId=${user}`)) as
        LinkedJob | undefined;
    },
    async jobs() {
      return ((await call('GET', `/jobs?userId=${user}`)) as { jobs: LinkedJob[] }).jobs;
    },
    async retry(jobId, retryOptions) {
      const route = `/jobs/${encodeURIComponent(jobId)}/retry?userId=${user}`;
      return (await call('POST', route, { ...retryOptions })) as { jobId: string; name: string } | undefined;
    },
    async remove(jobId) {
      const answer = (await call('DELETE', `/jobs/${encodeURIComponent(jobId)}?userId=${user}`)) as
        { deleted: Record<string, number> } | undefined;
      return answer?.deleted;
    },
    async exportTo(folder) {
      const { files } = (await call('GET', `/export?userId=${user}`)) as { files: ExportedFile[] };
      return copyExport(files, folder);
    },
    async redrive() {
      return ((await call('POST', '/redrive', {})) as { queues: Redriven[] }).queues;
    },
  });
}

/**
 * One call of the local stack's operator routes: the answer's JSON, undefined for a job it does not know.
 * @throws StackUnreachableError when nothing answers, StackError when it refuses.
 */
function operatorCaller(stackUrl: string, token: string) {
  return async (method: string, route: string, body?: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${stackUrl}/local${route}`, {
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
        `the local stack is not running on ${stackUrl} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}): start it with \`npm start\`, or use --aws`,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (response.status === 404 && route.startsWith('/jobs/') && /^no job /.test(answer.error?.message ?? ''))
      return undefined;
    if (!response.ok)
      throw new StackError(`the local stack refused: ${answer.error?.message ?? response.status}`);
    return answer;
  };
}

/** A file the local stack lists for an export: its key, and where it lies in the data folder. */
interface ExportedFile {
  readonly key: string;
  readonly bytes: number;
  readonly path: string;
}

/** Copies the listed files under `folder`, each at its key. */
async function copyExport(files: readonly ExportedFile[], folder: string) {
  for (const file of files) {
    const target = exportPath(folder, file.key);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(file.path, target);
  }
  return { files: files.length, bytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

/** Where an exported key goes: the key's segments under the folder, never above it. */
function exportPath(folder: string, key: string): string {
  const root = path.resolve(folder);
  const target = path.resolve(root, ...key.split('/'));
  if (!target.startsWith(`${root}${path.sep}`)) throw new StackError(`refusing to export the key ${key}`);
  return target;
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
  const userId = parseUserId(options.userId);
  const jobs = operatorJobs(data, userId, { seconds: LINK_SECONDS });
  const unreachable = (error: unknown): never => {
    throw asUnreachable(error, options.bucket);
  };
  return clientOf({
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
    job: (jobId) => jobs.job(jobId).catch(unreachable),
    jobs: () => jobs.jobs().catch(unreachable),
    async retry(jobId, retryOptions) {
      try {
        return await jobs.retry(jobId, retryOptions, MAX_PICTURE_BYTES).catch(unreachable);
      } catch (error) {
        if (error instanceof RetryRefusedError) throw new StackError(error.message);
        throw error;
      }
    },
    async remove(jobId) {
      try {
        const deleted = await jobs.remove(jobId).catch(unreachable);
        return deleted && { ...deleted };
      } catch (error) {
        if (error instanceof JobStillRunningError) throw new StackError(error.message);
        throw error;
      }
    },
    async exportTo(folder) {
      const objects = await data.list(`users/${userId}/`).catch(unreachable);
      let bytes = 0;
      for (const object of objects) {
        const target = exportPath(folder, object.key);
        const body = await data.get(object.key, MAX_EXPORT_BYTES);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, body);
        bytes += body.length;
      }
      return { files: objects.length, bytes };
    },
    async redrive(redrive) {
      const { sqs, lambda } = failureQueueClients();
      const invoker = lambdaEventInvoker(lambda);
      const queues: FailureQueue[] = [];
      for (const name of redrive.queues) {
        // Every queue found before anything is sent: a wrong name stops the run, not half of it.
        try {
          queues.push(await openFailureQueue(sqs, name));
        } catch (error) {
          throw asQueueError(error, name);
        }
      }
      const outcomes: Redriven[] = [];
      for (const queue of queues) outcomes.push(await redriveFailureQueue(queue, invoker, redrive));
      return outcomes;
    },
  });
}

/** A queue that is not there names the sandbox's; no credentials or no right to read is exit code 3. */
function asQueueError(error: unknown, queue: string): Error {
  const name = (error as Error).name;
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new StackError(
      `no queue ${queue} with this AWS configuration (the sandbox's are Sandbox-…: --queue NAME). Nothing was sent.`,
    );
  }
  if (
    ['CredentialsProviderError', 'AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId'].includes(
      name,
    )
  ) {
    return new StackUnreachableError(
      `cannot read the queue ${queue} with this AWS configuration: ${name}: ${(error as Error).message}`,
    );
  }
  return error as Error;
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
