/** How a job's state reads on the page. */

import type { JobView } from '@gen3d/events';

export type JobState = JobView['state'];
/** The steps the user sees: uploading, then the pipeline's states in plain words. */
export type Step = 'uploading' | 'queued' | 'reconstructing' | 'done' | 'failed';

export function stepOf(state: JobState | undefined): Step {
  return state ?? 'queued';
}

export const STEP_LABELS: Record<Step, string> = {
  uploading: 'Uploading',
  queued: 'Queued',
  reconstructing: 'Reconstructing',
  done: 'Done',
  failed: 'Failed',
};

export const isFinal = (step: Step): boolean => step === 'done' || step === 'failed';

/** @example formatElapsed(83_000) // '1 min 23 s'; formatElapsed(2_340) // '2.3 s' */
export function formatElapsed(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 10_000) return `${(Math.floor(clamped / 100) / 10).toFixed(1)} s`;
  const total = Math.floor(clamped / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes} min ${String(seconds).padStart(2, '0')} s` : `${seconds} s`;
}

/** The method as the UI names it: the worker's honest description, led by the backend's short name. */
export function methodLabel(backend: string | undefined, method: string | undefined): string {
  const short = backend === 'sam3d' ? 'SAM 3D' : backend === 'inflate' ? 'Geometric' : undefined;
  if (!method) return short ?? 'unknown';
  const described = method.charAt(0).toUpperCase() + method.slice(1);
  // The geometric backend's methods say themselves what they are (its shape hypothesis, "no learned model").
  if (!short || backend === 'inflate' || method.toLowerCase().startsWith(short.toLowerCase()))
    return described;
  return `${short}: ${method}`;
}

/** What a refused API request means for the user. */
export function apiProblem(status: number, code: string | undefined, message: string | undefined): string {
  if (status === 429) return message ?? 'Too many pictures at once. Please wait a little and try again.';
  if (status === 404 && code === 'no-such-job')
    return 'This job does not exist, or it belongs to someone else.';
  if (status === 401) return 'This link or session is not valid.';
  // The address is confirmed, but a result that waited for it could not be emailed yet: the API says so.
  if (code === 'results-not-sent' && message) return message;
  if (status >= 500 || status === 0)
    return 'The service is not reachable right now. Please try again shortly.';
  return message ?? `The request failed (${status}).`;
}

/** The steps of the progress list, in order (a failed job has no step of its own: it stops at one of these). */
export const STEP_ORDER: readonly Step[] = ['uploading', 'queued', 'reconstructing', 'done'];

/** How one item of the progress list is marked. */
export interface StepMark {
  /** The job is at this step (the step the list's `aria-current` names, done included). */
  readonly at: boolean;
  readonly complete: boolean;
  readonly current: boolean;
  readonly failed: boolean;
}

/**
 * How each step of {@link STEP_ORDER} is marked for the job's step. A failed job stops at the step it failed in:
 * reconstructing once the worker had started, else queued.
 */
export function stepMarks(current: Step, workerStarted: boolean): Record<string, StepMark> {
  const failedAt: Step = workerStarted ? 'reconstructing' : 'queued';
  const index = STEP_ORDER.indexOf(current === 'failed' ? failedAt : current);
  return Object.fromEntries(
    STEP_ORDER.map((step, i) => [
      step,
      {
        at: index === i,
        complete: index > i || current === 'done',
        current: index === i && current !== 'done',
        failed: index === i && current === 'failed',
      },
    ]),
  );
}

/** The status line: the step in words, and the time since the job started (ticking until it finishes). */
export function statusLine(
  job: Pick<JobView, 'state' | 'queuedAt' | 'finishedAt'> | undefined,
  uploadedAt: number | undefined,
  now: number,
): { readonly label: string; readonly elapsed: string } {
  // The pipeline's own times when known (a job opened from a link), else this browser's upload time.
  const started = uploadedAt ?? (job ? Date.parse(job.queuedAt) : undefined);
  const end = job?.finishedAt ? Date.parse(job.finishedAt) : now;
  const elapsed = started !== undefined ? ` · ${formatElapsed(end - started)}` : '';
  const label = job ? STEP_LABELS[stepOf(job.state)] : 'Uploaded, waiting for the pipeline';
  return { label, elapsed };
}

/** Why a failed job failed, with the pipeline's code. */
export function failureText(error: JobView['error']): string {
  return `${error?.reason ?? 'The job failed.'}${error ? ` (${error.code})` : ''}`;
}
