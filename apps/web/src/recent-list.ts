/** The list of the jobs this browser started or opened: each opens its job again. */
import type { JobView } from './api-client';
import { byId } from './dom';
import type { Watched } from './job-follower';
import { STEP_LABELS, stepOf } from './progress';
import type { RecentJob } from './recent';

/** One line of the list: the file, where its job stands when last seen, and when it started (in local time). */
export function recentLabel(job: RecentJob, formatTime: (date: Date) => string): string {
  const state = job.state ? STEP_LABELS[stepOf(job.state as JobView['state'])] : 'Uploaded';
  return `${job.fileName} — ${state}, ${formatTime(new Date(job.startedAt))}`;
}

/** What following a recent job again watches. */
export function watchedOf(job: RecentJob): Watched {
  return {
    name: job.name,
    ...(job.jobId ? { jobId: job.jobId } : {}),
    ...(job.access ? { access: job.access } : {}),
    startedAt: Date.parse(job.startedAt),
    fileName: job.fileName,
  };
}

/**
 * What the list remembers of a polled job: one this browser uploaded or already lists (a job opened from a link
 * this browser has not seen is not added).
 */
export function recentEntryOf(job: JobView, target: Watched): RecentJob | undefined {
  if (!target.name && !target.fileName) return undefined;
  return {
    name: job.name,
    fileName: target.fileName ?? job.name,
    jobId: job.jobId,
    ...(target.access ? { access: target.access } : {}),
    startedAt: new Date(target.startedAt ?? Date.parse(job.updatedAt)).toISOString(),
    state: job.state,
  };
}

/** Draws the list (its card hidden while it is empty); a click on a job calls `open` with it. */
export function renderRecentList(jobs: readonly RecentJob[], open: (job: RecentJob) => void): void {
  const list = byId('recent');
  list.replaceChildren();
  for (const job of jobs) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = recentLabel(job, (date) => date.toLocaleString());
    button.addEventListener('click', () => open(job));
    item.append(button);
    list.append(item);
  }
  byId('recent-card').hidden = jobs.length === 0;
}
