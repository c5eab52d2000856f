import { randomUUID } from 'node:crypto';
import {
  JobErrorSchema,
  parseWorkerReport,
  type JobError,
  type JobOptions,
  type WorkerReport,
} from '@gen3d/events';
import type { ExtraMeshFormat, MeshFormat, ResultImage } from '@gen3d/s3-keys';
import { boundaryOf, readMultipart, type Part } from './multipart';

/** The header the worker host puts the report in (worker/src/gen3d_worker/service.py). */
const REPORT_HEADER = 'x-gen3d-report';
/** The header that gives the worker its budget: it stops computing once the budget is spent (answers 504). */
export const TIMEOUT_HEADER = 'X-Gen3D-Timeout-Ms';

export interface WorkerJob {
  readonly image: Uint8Array;
  readonly mask?: Uint8Array;
  readonly options: Partial<JobOptions>;
  /** How long the worker may compute, in ms; sent as `X-Gen3D-Timeout-Ms` so the worker stops when we give up. */
  readonly timeoutMs?: number;
  /** The pictures to answer besides the mesh (PROTOCOL.md `extras`); a worker of an earlier version ignores them. */
  readonly extras?: readonly ResultImage[];
}

/** One mesh file of the worker's answer in a format other than PLY, with the content type it came with. */
export interface WorkerFile {
  readonly format: ExtraMeshFormat;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** One picture of the worker's answer (a part named after it, image/png). */
export interface WorkerImage {
  readonly image: ResultImage;
  readonly bytes: Uint8Array;
}

export type WorkerOutcome =
  | {
      readonly ok: true;
      readonly ply: Uint8Array;
      /** The other formats asked for (`options.formats`), in the order asked; empty when only the PLY was. */
      readonly files: readonly WorkerFile[];
      /** The extras asked for that the answer carries, in the order asked; a missing one was not made. */
      readonly images: readonly WorkerImage[];
      readonly report: WorkerReport;
    }
  | { readonly ok: false; readonly error: JobError };

/**
 * Sends one job to a worker host (the embedded host or TorchServe: same protocol) and reads its answer.
 * Transport failures (connection refused or reset, abort) reject; answers from the worker, good or bad, resolve.
 *
 * @example const outcome = await callWorker('http://127.0.0.1:8081/predictions/gen3d', { image, options: {} });
 */
export async function callWorker(url: string, job: WorkerJob, signal?: AbortSignal): Promise<WorkerOutcome> {
  signal?.throwIfAborted();
  const { body: requestBody, contentType } = multipart({
    image: job.image,
    ...(job.mask ? { mask: job.mask } : {}),
    options: Buffer.from(JSON.stringify(job.options)),
    ...(job.extras?.length ? { extras: Buffer.from(JSON.stringify(job.extras)) } : {}),
  });
  // A finished buffer, not FormData: undici streams FormData bodies, and an abort racing that stream can throw
  // outside the promise (seen on Node 24: "ReadableStream is already closed").
  const response = await fetch(url, {
    method: 'POST',
    body: requestBody,
    headers: {
      'content-type': contentType,
      ...(job.timeoutMs !== undefined
        ? { [TIMEOUT_HEADER]: String(Math.max(1, Math.round(job.timeoutMs))) }
        : {}),
    },
    signal: signal ?? null,
  });
  if (response.ok) {
    const header = response.headers.get(REPORT_HEADER);
    if (header === null) {
      await response.body?.cancel();
      return workerFault('the worker answered without a report header');
    }
    let report: WorkerReport;
    try {
      report = parseWorkerReport(JSON.parse(header));
    } catch (error) {
      await response.body?.cancel();
      return workerFault(`the worker's report is unreadable: ${(error as Error).message}`);
    }
    const formats: readonly MeshFormat[] = job.options.formats ?? ['ply'];
    const body = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    const boundary = boundaryOf(contentType);
    if (boundary === undefined && /^multipart\//i.test(contentType)) {
      return workerFault('the worker answered multipart without a boundary');
    }
    if (boundary !== undefined) {
      const parts = readMultipart(body, boundary);
      if (!parts) return workerFault("the worker's multipart answer is malformed");
      return meshFiles(parts, formats, job.extras ?? [], report);
    }
    if (formats.some((format) => format !== 'ply')) {
      return workerFault(`the worker answered one file, not the formats asked for (${formats.join(', ')})`);
    }
    return { ok: true, ply: body, files: [], images: [], report };
  }
  return { ok: false, error: errorFrom(response.status, new Uint8Array(await response.arrayBuffer())) };
}

/**
 * The worker's multipart answer (PROTOCOL.md): one part per format asked, named after it, the PLY among them; then
 * the extras asked for. A missing extra part is "not made" (a worker of an earlier version), never a failure.
 */
function meshFiles(
  parts: ReadonlyMap<string, Part>,
  formats: readonly MeshFormat[],
  extras: readonly ResultImage[],
  report: WorkerReport,
): WorkerOutcome {
  let ply: Uint8Array | undefined;
  const files: WorkerFile[] = [];
  for (const format of formats) {
    const part = parts.get(format);
    if (!part) return workerFault(`the worker's answer has no "${format}" part`);
    if (format === 'ply') ply = part.bytes;
    else
      files.push({ format, bytes: part.bytes, contentType: part.contentType ?? 'application/octet-stream' });
  }
  if (ply === undefined) return workerFault('the worker answered no PLY (the job always asks for one)');
  const images: WorkerImage[] = [];
  for (const image of extras) {
    const part = parts.get(image);
    if (part) images.push({ image, bytes: part.bytes });
  }
  return { ok: true, ply, files, images, report };
}

/** multipart/form-data in one buffer: the fields of the worker protocol, each as application/octet-stream. */
function multipart(fields: Record<string, Uint8Array>): { body: Buffer; contentType: string } {
  const boundary = `gen3d-${randomUUID()}`;
  const parts = Object.entries(fields).flatMap(([name, value]) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    value,
    Buffer.from('\r\n'),
  ]);
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

function errorFrom(status: number, body: Uint8Array): JobError {
  try {
    const parsed = JobErrorSchema.safeParse(
      (JSON.parse(new TextDecoder().decode(body)) as { error?: unknown }).error,
    );
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through to a generic error that keeps the status
  }
  // The worker's HTTP edge maps its errors to statuses; without a readable body, the status is all there is.
  const type =
    status === 503 ? 'BackendUnavailableError' : status === 504 ? 'JobTimeoutError' : 'InternalError';
  return { type, message: `worker answered ${status}` };
}

/** The worker answered, but not as its protocol says: a bad gateway, never a success. */
function workerFault(message: string): WorkerOutcome {
  return { ok: false, error: { type: 'InternalError', message } };
}
