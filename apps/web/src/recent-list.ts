/** The list of the jobs this browser started or opened: each opens its job again. */
import type { JobView } from './api-client';
import { byId } from './dom';
import type { Watched } from './job-follower';
import { STEP_LABELS, stepOf } from './progress';
import type { RecentJob } from './recent';
import { keptUntilText } from './retention';
import { hasImage, thumbnailImage } from './thumbnails';

/** The thumbnail's size in the list (CSS pixels). */
export const LIST_THUMBNAIL_PX = 64;

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
    ...(hasImage(job, 'thumbnail') ? { thumbnail: true } : {}),
    ...(job.keptUntil ? { keptUntil: job.keptUntil } : {}),
    ...(job.retryOf ? { retryOf: job.retryOf } : {}),
  };
}

/** Whether the list shows a job's thumbnail: one it made, once its id is known. */
export function showsThumbnail(job: RecentJob): job is RecentJob & { jobId: string } {
  return job.thumbnail === true && job.jobId !== undefined;
}

/** Where a listed job's thumbnail is: a fresh link for its id (and the access token it was opened with). */
export type ThumbnailUrl = (job: RecentJob & { jobId: string }) => Promise<string>;

/**
 * The list: `render` draws it (its card hidden while it is empty); a click on a job calls `open` with it. A job's
 * thumbnail element is kept between renders (the list is drawn again on every poll), so it loads once.
 */
export function mountRecentList(
  open: (job: RecentJob) => void,
  thumbnailUrl: ThumbnailUrl,
): (jobs: readonly RecentJob[]) => void {
  const list = byId('recent');
  const thumbnails = new Map<string, HTMLImageElement>();
  const thumbnailOf = (job: RecentJob): HTMLElement => {
    if (!showsThumbnail(job)) return placeholder();
    let img = thumbnails.get(job.jobId);
    // One that could not be had (a transient error) is asked for again on the next render.
    if (!img || img.classList.contains('thumb-missing')) {
      img = thumbnailImage(() => thumbnailUrl(job), job.fileName, LIST_THUMBNAIL_PX, 'thumb');
      thumbnails.set(job.jobId, img);
    }
    return img;
  };
  return (jobs) => {
    // Jobs that left the list (deleted, or pushed out) leave the cache too.
    for (const jobId of [...thumbnails.keys()]) {
      if (!jobs.some((job) => job.jobId === jobId)) thumbnails.delete(jobId);
    }
    list.replaceChildren(...jobs.map((job) => recentItem(job, thumbnailOf(job), open)));
    byId('recent-card').hidden = jobs.length === 0;
  };
}

/** The neutral square a job without a thumbnail (yet) shows in its place. */
function placeholder(): HTMLElement {
  const span = document.createElement('span');
  span.className = 'thumb thumb-none';
  span.setAttribute('aria-hidden', 'true');
  return span;
}

function recentItem(job: RecentJob, thumbnail: HTMLElement, open: (job: RecentJob) => void): HTMLLIElement {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = recentLabel(job, (date) => date.toLocaleString());
  button.addEventListener('click', () => open(job));
  const text = document.createElement('span');
  text.className = 'recent-text';
  text.append(button);
  const kept = keptUntilText(job.keptUntil);
  if (kept) {
    const note = document.createElement('span');
    note.className = 'hint kept';
    note.textContent = kept;
    text.append(note);
  }
  item.append(thumbnail, text);
  return item;
}
