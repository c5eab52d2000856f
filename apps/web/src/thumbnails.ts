/**
 * The thumbnails of finished jobs (a picture of the model the worker rendered): which jobs have one, their alt
 * text, and their short-lived links, asked for once and reused while they live (the recent list is drawn again on
 * every poll; asking again each time would flicker and load the API).
 */
import type { ApiClient, ImageKind, ImageLink, JobView } from './api-client';

/** A link is reused while it has at least this long left to live (an image may load a little later). */
export const LINK_MARGIN_MS = 60_000;

/** Whether the job made this picture (only a finished job lists its pictures). */
export function hasImage(job: Pick<JobView, 'images'>, kind: ImageKind): boolean {
  return job.images?.includes(kind) ?? false;
}

/** The thumbnail's description, for screen readers: what it shows, and of which picture. */
export function thumbnailAlt(fileName: string): string {
  return `The 3D model made from ${fileName}`;
}

/** Whether a link can still be handed out at `now` (ms): it must outlive the margin. */
export function linkIsFresh(
  link: Pick<ImageLink, 'expiresAt'>,
  now: number,
  marginMs = LINK_MARGIN_MS,
): boolean {
  const expires = Date.parse(link.expiresAt);
  return Number.isFinite(expires) && expires - now > marginMs;
}

/** The job's picture links, one request per job and kind while a link lives; a failed request is not kept. */
export class ImageLinks {
  private readonly links = new Map<string, Promise<ImageLink>>();

  constructor(
    private readonly api: Pick<ApiClient, 'imageLink'>,
    private readonly now: () => number = Date.now,
  ) {}

  async url(jobId: string, kind: ImageKind, access?: string): Promise<string> {
    const key = `${jobId} ${kind}`;
    const known = this.links.get(key);
    if (known) {
      const link = await known.catch(() => undefined);
      if (link && linkIsFresh(link, this.now())) return link.url;
      if (this.links.get(key) !== known) return this.url(jobId, kind, access); // renewed meanwhile
    }
    const asked = this.api.imageLink(jobId, kind, access);
    this.links.set(key, asked);
    asked.catch(() => {
      if (this.links.get(key) === asked) this.links.delete(key);
    });
    return (await asked).url;
  }

  /** Forgets a job's links (it was deleted). */
  forget(jobId: string): void {
    for (const key of [...this.links.keys()]) if (key.startsWith(`${jobId} `)) this.links.delete(key);
  }
}

/**
 * An `<img>` of a job's thumbnail at `size` CSS pixels: a neutral placeholder (the frame's own background) until it
 * has loaded, lazily loaded by the browser, and left as the placeholder when it cannot be had.
 */
export function thumbnailImage(
  url: () => Promise<string>,
  fileName: string,
  size: number,
  className: string,
): HTMLImageElement {
  const img = document.createElement('img');
  img.className = `${className} thumb-pending`;
  img.width = size;
  img.height = size;
  img.alt = thumbnailAlt(fileName);
  img.loading = 'lazy';
  img.decoding = 'async';
  img.addEventListener('load', () => img.classList.remove('thumb-pending'));
  url().then(
    (src) => (img.src = src),
    () => img.classList.add('thumb-missing'),
  );
  return img;
}
