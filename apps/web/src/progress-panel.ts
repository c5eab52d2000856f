/** The job card's progress: the job's name, the steps list, the status line and the job's problem. */
import type { JobView } from './api-client';
import { byId, hide, show, showOrHide } from './dom';
import type { Watched } from './job-follower';
import { emailNotice } from './outputs';
import { failureText, stepMarks, stepOf, type Step } from './progress';

/** The name the card shows: the file's name when this browser knows it, else the job's stored name. */
export function jobTitle(target: Watched, job?: Pick<JobView, 'name'>): string {
  if (job) return target.fileName ? target.fileName : job.name;
  return target.fileName ?? target.name ?? '';
}

export interface ProgressPanel {
  /** A new job: the card shown afresh, its steps at queued, the focus on its title. */
  start(target: Watched): void;
  /** The job as last polled. */
  job(job: JobView, target: Watched): void;
  /** The status line; the state is a live region, rewritten only when it changes (so it is announced once). */
  status(label: string, elapsed: string): void;
  /** The job failed. */
  failed(job: JobView): void;
  /** The job cannot be followed: no status, no steps, the problem. */
  lost(problem: string): void;
  /** No job any more (it was deleted): the card goes. */
  hide(): void;
}

export function mountProgressPanel(): ProgressPanel {
  const card = byId('job-card');
  const name = byId('job-name');
  const state = byId('job-state');
  const elapsedEl = byId('job-elapsed');
  const problem = byId('job-problem');
  const steps = byId('steps');
  const emailHeld = byId('email-held');

  const renderSteps = (current: Step, workerStarted: boolean): void => {
    const marks = stepMarks(current, workerStarted);
    for (const item of steps.querySelectorAll<HTMLElement>('li')) {
      const mark = marks[item.dataset['step'] ?? ''];
      item.classList.toggle('complete', mark?.complete ?? false);
      item.classList.toggle('current', mark?.current ?? false);
      item.classList.toggle('failed', mark?.failed ?? false);
      if (mark?.at) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    }
    steps.classList.toggle('failed', current === 'failed');
  };
  const status = (label: string, elapsed: string): void => {
    if (state.textContent !== label) state.textContent = label;
    elapsedEl.textContent = elapsed;
  };

  return {
    start: (target) => {
      hide(problem);
      hide(emailHeld);
      show(card);
      show(steps);
      name.textContent = jobTitle(target);
      renderSteps('queued', false);
      byId('job-title').focus();
    },
    job: (job, target) => {
      name.textContent = jobTitle(target, job);
      renderSteps(stepOf(job.state), Boolean(job.startedAt));
      showOrHide(emailHeld, emailNotice(job.email));
    },
    status,
    failed: (job) => show(problem, failureText(job.error)),
    lost: (text) => {
      status('', '');
      hide(steps);
      show(problem, text);
    },
    hide: () => {
      status('', '');
      hide(problem);
      hide(card);
    },
  };
}
