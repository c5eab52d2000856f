import { randomUUID } from 'node:crypto';
import {
  JobErrorSchema,
  parseWorkerReport,
  type JobError,
  type JobOptions,
  type WorkerReport,
} from '@gen3d/events';

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
}

export type WorkerOutcome =
  | { readonly ok: true; readonly ply: Uint8Array; readonly report: WorkerReport }
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
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.ok) {
    const header = response.headers.get(REPORT_HEADER);
    if (header === null) return workerFault('the worker answered without a report header');
    try {
      return { ok: true, ply: body, report: parseWorkerReport(JSON.parse(header)) };
    } catch (error) {
      return workerFault(`the worker's report is unreadable: ${(error as Error).message}`);
    }
  }
  return { ok: false, error: errorFrom(response.status, body) };
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
