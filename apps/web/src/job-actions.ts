/**
 * What a user can do with a finished (or failed) job: "Try again" (the same picture, the marks and the shape it
 * used filled in and changeable on its picture, then a new job followed like an upload) and "Delete" (after a
 * confirmation in the page, the job and all its files).
 */
import {
  toApiRequestError,
  type ApiClient,
  type JobView,
  type RetryAnswer,
  type RetryRequest,
} from './api-client';
import { byId, checkedValue, hide, show } from './dom';
import type { JobPicture } from './job-picture';
import { apiProblem } from './progress';
import { mountPromptPicker, type PickerElements } from './prompt-picker';
import { NO_PROMPTS } from './prompts';
import { canRetry, promptsOfUsed, retryNote, retryRequestOf, shapeChoiceOf, type UsedOptions } from './retry';

/** The Try-again panel's picker: on the job's picture in the job card. */
export const RETRY_PICKER: PickerElements = {
  preview: 'job-picture',
  marks: 'retry-marks',
  boxMark: 'retry-box-mark',
  pointStatus: 'retry-point-status',
  clearPoint: 'retry-clear-point',
  modes: 'retry-prompt-mode',
};
const RETRY_SHAPE = 'retry-shape';

/** The question the delete confirmation asks. */
export function deleteQuestion(fileName: string): string {
  return `Delete ${fileName} and all its files (the picture, the model, its pictures)? This cannot be undone.`;
}

/** The job followed now, what the page knows of it, and what to do once it was retried or deleted. */
export interface JobActionsDeps {
  readonly api: Pick<ApiClient, 'retry' | 'deleteJob'>;
  readonly picture: JobPicture;
  current(): { readonly job?: JobView; readonly access?: string };
  /** What this browser asked the job for (unknown for a job opened from an email link elsewhere). */
  usedBy(job: JobView): UsedOptions | undefined;
  fileNameOf(job: JobView): string;
  retried(answer: RetryAnswer, from: JobView, request: RetryRequest): void;
  deleted(job: JobView): void;
}

export interface JobActions {
  reset(): void;
  /**
   * Offers the actions for this job once it is over, when `mine`: the API retries and deletes only a session's own
   * jobs, so a job seen through an email link in another browser gets neither.
   */
  show(job: JobView, mine: boolean): void;
}

/**
 * A choice of the upload form (what a click marks, the shape), copied into the Try-again panel with its radios
 * renamed, so that the two panels cannot drift apart.
 */
function copyChoice(selector: string, into: string, name: string): void {
  const choice = document.querySelector<HTMLFieldSetElement>(`#upload-form ${selector}`);
  if (!choice) throw new Error(`the page has no ${selector}`);
  const copy = choice.cloneNode(true) as HTMLFieldSetElement;
  for (const input of copy.querySelectorAll<HTMLInputElement>('input')) input.name = name;
  byId(into).replaceChildren(copy);
}

export function mountJobActions(deps: JobActionsDeps): JobActions {
  const actions = byId('job-actions');
  const form = byId<HTMLFormElement>('retry-form');
  const problem = byId('retry-problem');
  const send = byId<HTMLButtonElement>('retry-send');
  copyChoice('fieldset.modes', 'retry-modes', RETRY_PICKER.modes);
  copyChoice('fieldset.shapes', 'retry-shapes', RETRY_SHAPE);
  const frame = byId(RETRY_PICKER.preview);
  let open = false;
  const picker = mountPromptPicker(() => (open ? deps.picture.size() : undefined), RETRY_PICKER);
  // The picture takes marks (and the focus) only while the panel is open.
  const opened = (now: boolean): void => {
    open = now;
    frame.tabIndex = now ? 0 : -1;
  };
  const close = (): void => {
    opened(false);
    picker.set(NO_PROMPTS);
    hide(form);
  };
  const confirm = mountDeleteConfirm(deps, close);

  byId('retry').addEventListener('click', () => {
    const { job } = deps.current();
    if (!job) return;
    confirm.close();
    const used = deps.usedBy(job);
    opened(true);
    hide(problem);
    show(form);
    picker.set(promptsOfUsed(used));
    const radio = form.querySelector<HTMLInputElement>(
      `input[name="${RETRY_SHAPE}"][value="${shapeChoiceOf(used)}"]`,
    );
    if (radio) radio.checked = true;
    byId('retry-note').textContent = retryNote(used, deps.picture.shown());
    byId(deps.picture.shown() === 'none' ? 'retry-send' : RETRY_PICKER.preview).focus();
  });
  byId('retry-cancel').addEventListener('click', close);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { job } = deps.current();
    if (!job) return;
    const prompts = deps.picture.shown() === 'none' ? promptsOfUsed(deps.usedBy(job)) : picker.current();
    const request = retryRequestOf(prompts, checkedValue(RETRY_SHAPE));
    send.disabled = true;
    hide(problem);
    deps.api
      .retry(job.jobId, request)
      .then((answer) => {
        close();
        deps.retried(answer, job, request);
      })
      .catch((error: unknown) => {
        const e = toApiRequestError(error);
        show(problem, `The job could not be started again: ${apiProblem(e.status, e.code, e.message)}`);
      })
      .finally(() => (send.disabled = false));
  });

  return {
    reset: () => {
      close();
      confirm.close();
      hide(actions);
    },
    show: (job, mine) => {
      byId<HTMLButtonElement>('retry').hidden = !canRetry(job);
      actions.hidden = !mine;
    },
  };
}

/** "Delete…" asks in the page first; "Delete for good" deletes, "Keep it" takes the question back. */
function mountDeleteConfirm(deps: JobActionsDeps, closeRetry: () => void): { close(): void } {
  const panel = byId('delete-confirm');
  const ask = byId<HTMLButtonElement>('delete');
  const yes = byId<HTMLButtonElement>('delete-yes');
  const jobProblem = byId('job-problem');
  const close = (): void => {
    hide(panel);
    ask.disabled = false;
  };
  ask.addEventListener('click', () => {
    const { job } = deps.current();
    if (!job) return;
    closeRetry();
    byId('delete-question').textContent = deleteQuestion(deps.fileNameOf(job));
    ask.disabled = true;
    show(panel);
    byId('delete-no').focus(); // the safe answer first
  });
  byId('delete-no').addEventListener('click', () => {
    close();
    ask.focus();
  });
  yes.addEventListener('click', () => {
    const { job } = deps.current();
    if (!job) return;
    yes.disabled = true;
    hide(jobProblem);
    deps.api
      .deleteJob(job.jobId)
      .then(() => {
        close();
        deps.deleted(job);
      })
      .catch((error: unknown) => {
        const e = toApiRequestError(error);
        show(jobProblem, `The job could not be deleted: ${apiProblem(e.status, e.code, e.message)}`);
      })
      .finally(() => (yes.disabled = false));
  });
  return { close };
}
