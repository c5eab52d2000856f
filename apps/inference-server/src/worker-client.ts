import {
  JobErrorSchema,
  parseWorkerReport,
  type JobError,
  type JobOptions,
  type WorkerReport,
} from '@gen3d/events';

/** The header the worker host puts the report in (worker/src/gen3d_worker/service.py). */
export const REPORT_HEADER = 'x-gen3d-report';

export interface WorkerJob {
  readonly image: Uint8Array;
  readonly mask?: Uint8Array;
  readonly options: Partial<JobOptions>;
}

export type WorkerOutcome =
  | { readonly ok: true; readonly ply: Uint8Array; readonly report: WorkerReport }
  | { readonly ok: false; readonly status: number; readonly error: JobError };

/**
 * Sends one job to a worker host (the embedded host or TorchServe: same protocol) and reads its answer.
 * Transport failures (connection refused or reset, abort) reject; answers from the worker, good or bad, resolve.
 *
 * @example const outcome = await callWorker('http://127.0.0.1:8081/predictions/gen3d', { image, options: {} });
 */
export async function callWorker(url: string, job: WorkerJob, signal?: AbortSignal): Promise<WorkerOutcome> {
  const form = new FormData();
  form.set('image', new Blob([job.image]), 'image.png');
  if (job.mask) form.set('mask', new Blob([job.mask]), 'mask.png');
  form.set('options', JSON.stringify(job.options));
  const response = await fetch(url, { method: 'POST', body: form, signal: signal ?? null });
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
  return { ok: false, status: response.status, error: errorFrom(response.status, body) };
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
  return {
    type: status === 503 ? 'BackendUnavailableError' : 'InternalError',
    message: `worker answered ${status}`,
  };
}

/** The worker answered, but not as its protocol says: a bad gateway, never a success. */
function workerFault(message: string): WorkerOutcome {
  return { ok: false, status: 502, error: { type: 'InternalError', message } };
}
