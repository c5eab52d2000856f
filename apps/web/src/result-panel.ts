/**
 * The result of a done job: its facts (method, counts, closed or not), its thumbnail, until when its files are
 * kept, the 3D view of its mesh and one download button per file it made. The viewer (three.js) is loaded only
 * when a mesh is shown.
 */
import { toApiRequestError, type ApiClient, type JobView } from './api-client';
import { byId, hide, show, showOrHide } from './dom';
import { downloadableFormats, FORMAT_INFO, type Format } from './outputs';
import { apiProblem, methodLabel } from './progress';
import { keptUntilText } from './retention';
import { hasImage, thumbnailAlt } from './thumbnails';
import type { MeshCounts, MeshViewer } from './viewer';

export const NO_WEBGL_PROBLEM =
  'This browser cannot show 3D here. Download the file and open it in Blender or MeshLab.';

/** The facts list, as the job's view gives them ("…" for counts the view has not got yet). */
export function meshFacts(job: Pick<JobView, 'backend' | 'method' | 'mesh'>): {
  readonly method: string;
  readonly vertices: string;
  readonly faces: string;
  readonly closed: string;
} {
  return {
    method: methodLabel(job.backend, job.method),
    vertices: job.mesh ? job.mesh.vertices.toLocaleString('en') : '…',
    faces: job.mesh ? job.mesh.faces.toLocaleString('en') : '…',
    closed: job.mesh ? (job.mesh.watertight ? 'yes (watertight)' : 'no') : '…',
  };
}

export interface DownloadButton {
  readonly id: string;
  readonly format: Format;
  readonly text: string;
  readonly title: string;
}

/** The download buttons besides the PLY's own (#download, always on the page): #download-{format}. */
export function extraDownloadButtons(formats: readonly string[] | undefined): DownloadButton[] {
  return downloadableFormats(formats)
    .filter((format) => format !== 'ply')
    .map((format) => ({
      id: `download-${format}`,
      format,
      text: `Download .${format}`,
      title: FORMAT_INFO[format].use,
    }));
}

/** Where a mesh is drawn: a view, or undefined when this browser cannot draw 3D. */
export type OpenView = () => Promise<{ show(ply: ArrayBuffer): MeshCounts } | undefined>;

/**
 * Fetches the mesh and shows it: `shown` with the counts of what was drawn, or `problem` in plain words. Nothing
 * happens once `stillCurrent` is false (another job is followed now).
 */
export async function loadMesh(
  fetchPly: () => Promise<ArrayBuffer>,
  stillCurrent: () => boolean,
  display: { open: OpenView; shown(counts: MeshCounts): void; problem(text: string): void },
): Promise<void> {
  try {
    const ply = await fetchPly();
    if (!stillCurrent()) return;
    const view = await display.open();
    if (!view) return display.problem(NO_WEBGL_PROBLEM);
    display.shown(view.show(ply));
  } catch (error) {
    const e = toApiRequestError(error);
    display.problem(`The model could not be shown: ${apiProblem(e.status, e.code, e.message)}`);
  }
}

/** Fetches one file of the job and hands it to `save`; a failure is a `problem` in plain words. */
export async function downloadMesh(
  fetchFile: () => Promise<{ fileName: string; blob: Blob }>,
  save: (file: { fileName: string; blob: Blob }) => void,
  problem: (text: string) => void,
): Promise<void> {
  try {
    save(await fetchFile());
  } catch (error) {
    const e = toApiRequestError(error);
    problem(`The download failed: ${apiProblem(e.status, e.code, e.message)}`);
  }
}

/** Saves a file the way a link with `download` does. */
function saveFile({ fileName, blob }: { fileName: string; blob: Blob }): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function showFacts(facts: HTMLElement, job: JobView): void {
  show(facts);
  const text = meshFacts(job);
  byId('fact-method').textContent = text.method;
  byId('fact-vertices').textContent = text.vertices;
  byId('fact-faces').textContent = text.faces;
  byId('fact-closed').textContent = text.closed;
}

/** Replaces the extra download buttons with the job's; a click calls `fetchInto` with the button's format. */
function showDownloads(
  downloads: HTMLElement,
  job: JobView,
  fetchInto: (button: HTMLButtonElement, format: Format) => Promise<void>,
): void {
  for (const old of downloads.querySelectorAll('button:not(#download)')) old.remove();
  for (const spec of extraDownloadButtons(job.formats)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'primary';
    button.id = spec.id;
    button.dataset['format'] = spec.format;
    button.textContent = spec.text;
    button.title = spec.title;
    button.addEventListener('click', () => void fetchInto(button, spec.format));
    downloads.append(button);
  }
  show(downloads);
}

/** Shows the job's thumbnail (a neutral placeholder until it loads), or hides it when the job made none. */
function showThumbnail(
  img: HTMLImageElement,
  job: JobView,
  fileName: string,
  url: () => Promise<string>,
  stillCurrent: () => boolean,
): void {
  img.removeAttribute('src');
  img.classList.add('thumb-pending');
  if (!hasImage(job, 'thumbnail')) return hide(img);
  img.alt = thumbnailAlt(fileName);
  show(img);
  url().then(
    (src) => {
      if (stillCurrent()) img.src = src;
    },
    () => undefined, // the placeholder stays: the model itself is shown below
  );
}

/** Where the result's thumbnail is, and the name of the picture it was made from. */
export interface ResultThumbnail {
  url(jobId: string, access: string | undefined): Promise<string>;
  fileNameOf(job: JobView): string;
}

export interface ResultPanel {
  /** Hides the last job's result. */
  reset(): void;
  /** Shows a done job's result; `stillCurrent` turns false once another job is followed. */
  show(job: JobView, access: string | undefined, stillCurrent: () => boolean): Promise<void>;
  /** A failed job: no result, but until when its picture is kept. */
  failed(job: JobView): void;
}

/** The result part of the job card. `current` is the job followed now (what the download buttons fetch). */
export function mountResultPanel(
  api: Pick<ApiClient, 'meshBytes' | 'meshFile'>,
  current: () => { readonly job?: JobView; readonly access?: string },
  thumbnail: ResultThumbnail,
): ResultPanel {
  const viewerBox = byId('viewer-box');
  const thumb = byId<HTMLImageElement>('result-thumb');
  const kept = byId('kept-until');
  thumb.addEventListener('load', () => thumb.classList.remove('thumb-pending'));
  const facts = byId('mesh-facts');
  const downloads = byId('downloads');
  const download = byId<HTMLButtonElement>('download');
  const jobProblem = byId('job-problem');
  let viewer: MeshViewer | undefined;

  const fetchInto = async (button: HTMLButtonElement, format: Format): Promise<void> => {
    const { job, access } = current();
    if (!job) return;
    button.disabled = true;
    await downloadMesh(
      () => api.meshFile(job.jobId, access, format),
      saveFile,
      (text) => show(jobProblem, text),
    );
    button.disabled = false;
  };
  download.addEventListener('click', () => void fetchInto(download, 'ply'));

  const openView: OpenView = async () => {
    const { MeshViewer, webglAvailable } = await import('./viewer');
    if (!webglAvailable()) return undefined;
    show(viewerBox);
    return (viewer ??= new MeshViewer(byId<HTMLCanvasElement>('viewer')));
  };

  return {
    reset: () => [viewerBox, facts, downloads, thumb, kept].forEach(hide),
    failed: (job) => showOrHide(kept, keptUntilText(job.keptUntil)),
    show: async (job, access, stillCurrent) => {
      showFacts(facts, job);
      const fileName = thumbnail.fileNameOf(job);
      showThumbnail(thumb, job, fileName, () => thumbnail.url(job.jobId, access), stillCurrent);
      showOrHide(kept, keptUntilText(job.keptUntil));
      showDownloads(downloads, job, fetchInto);
      await loadMesh(() => api.meshBytes(job.jobId, access), stillCurrent, {
        open: openView,
        shown: (counts) => {
          byId('fact-vertices').textContent = counts.vertices.toLocaleString('en');
          byId('fact-faces').textContent = counts.faces.toLocaleString('en');
          viewerBox.dataset['loaded'] = job.jobId;
        },
        problem: (text) => show(jobProblem, text),
      });
    },
  };
}
