/**
 * The job's picture in the job card: the picture itself when this page still holds it, with the mask the model used
 * over it (tinted, semi-transparent, toggled by "Show what was taken as the object"). Without the picture the mask
 * is shown alone: it has the picture's size, so the Try-again marks still land on the right pixels.
 */
import type { ApiClient, JobView } from './api-client';
import { byId, hide, show } from './dom';
import { drawMaskOverlay, maskAlt } from './mask-overlay';
import { hasImage } from './thumbnails';

interface Size {
  readonly width: number;
  readonly height: number;
}

/** The picture of an upload this page made, as the page shows it (an object URL) and its size in pixels. */
export interface PagePicture extends Size {
  readonly url: string;
  readonly fileName: string;
}

/** What the frame shows under the marks: the picture, its mask alone, or nothing. */
export type PictureShown = 'photo' | 'mask' | 'none';

export interface JobPicture {
  reset(): void;
  /** Shows the job's picture (when the page has it) and its mask (when the job made one). */
  show(
    job: JobView,
    access: string | undefined,
    photo: PagePicture | undefined,
    stillCurrent: () => boolean,
  ): Promise<void>;
  /** The size of what is shown, in the picture's pixels (what the Try-again marks are in). */
  size(): Size | undefined;
  shown(): PictureShown;
}

/** What the frame shows for a job: the page's picture first, else its mask. */
export function pictureShown(photo: boolean, mask: boolean): PictureShown {
  return photo ? 'photo' : mask ? 'mask' : 'none';
}

export function mountJobPicture(api: Pick<ApiClient, 'imageBlob'>): JobPicture {
  const box = byId('job-picture-box');
  const photoImg = byId<HTMLImageElement>('job-photo');
  const overlay = byId<HTMLCanvasElement>('mask-overlay');
  const toggle = byId<HTMLInputElement>('show-mask');
  const toggleRow = toggle.closest('figcaption') as HTMLElement;
  let size: Size | undefined;
  let shownNow: PictureShown = 'none';

  toggle.addEventListener('change', () => (overlay.hidden = !toggle.checked));

  const showMask = async (job: JobView, access: string | undefined, stillCurrent: () => boolean) => {
    try {
      const drawn = await drawMaskOverlay(overlay, await api.imageBlob(job.jobId, 'mask', access));
      if (!stillCurrent()) return;
      size ??= drawn;
      overlay.setAttribute('aria-label', maskAlt(drawn.share));
      overlay.hidden = !toggle.checked;
      box.dataset['mask'] = job.jobId;
      show(toggleRow);
    } catch {
      // No mask to show (gone, or this browser cannot decode it): the picture, or nothing, stays.
      if (stillCurrent() && shownNow === 'mask') reset();
    }
  };
  const reset = (): void => {
    hide(box);
    hide(photoImg);
    hide(overlay);
    hide(toggleRow);
    photoImg.removeAttribute('src');
    delete box.dataset['mask'];
    size = undefined;
    shownNow = 'none';
  };

  return {
    reset,
    show: async (job, access, photo, stillCurrent) => {
      reset();
      const mask = hasImage(job, 'mask');
      shownNow = pictureShown(photo !== undefined, mask);
      if (shownNow === 'none') return;
      show(box);
      if (photo) {
        photoImg.src = photo.url;
        photoImg.alt = `The picture you chose: ${photo.fileName}`;
        size = { width: photo.width, height: photo.height };
        show(photoImg);
      }
      if (mask) await showMask(job, access, stillCurrent);
    },
    size: () => size,
    shown: () => shownNow,
  };
}
