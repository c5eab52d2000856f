import { ApiClient, ApiRequestError, postFile, type JobView } from './api-client';
import { emailProblem, nudgePoint, pointInBox, pointInImage, type Point } from './form';
import { downloadableFormats, emailNotice, FORMAT_INFO, outputsForUpload, type Format } from './outputs';
import {
  addPoint,
  boxFromCorners,
  boxInFrame,
  centredBox,
  describePrompts,
  moveLastPoint,
  NO_PROMPTS,
  nudgeBox,
  pixelAt,
  promptsForUpload,
  removeLast,
  withBox,
  type PromptMode,
  type Prompts,
} from './prompts';
import { jobHash, parseRoute } from './location';
import { checkPicture, HEADER_BYTES, MAX_UPLOAD_BYTES } from './picture';
import { apiProblem, formatElapsed, isFinal, methodLabel, STEP_LABELS, stepOf, type Step } from './progress';
import { readRecent, rememberJob, type RecentJob } from './recent';
import type { MeshViewer } from './viewer';

const POLL_MS = 1000;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

function show(element: HTMLElement, text?: string): void {
  if (text !== undefined) element.textContent = text;
  element.hidden = false;
}
const hide = (element: HTMLElement): void => void (element.hidden = true);

interface Chosen {
  readonly file: File;
  readonly width: number;
  readonly height: number;
  readonly url: string;
}

/** What the job panel follows: an upload of this browser (by name until its id is known) or a linked job. */
interface Watched {
  name?: string;
  jobId?: string;
  access?: string;
  startedAt?: number;
  fileName?: string;
  /** Polls of a done job for its email state. */
  emailPolls?: number;
}

async function apiBase(): Promise<string> {
  try {
    const response = await fetch('./config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = (await response.json()) as { apiBase?: unknown };
      if (typeof config.apiBase === 'string' && config.apiBase !== '')
        return config.apiBase.replace(/\/$/, '');
    }
  } catch {
    // no config next to the page: the default below (the local stack's mount point)
  }
  return '/api';
}

async function start(): Promise<void> {
  const api = new ApiClient(await apiBase(), (input, init) => fetch(input, init), window.localStorage);
  let chosen: Chosen | undefined;
  let prompts: Prompts = NO_PROMPTS;
  let watched: Watched | undefined;
  let pollTimer: number | undefined;
  let tickTimer: number | undefined;
  let viewer: MeshViewer | undefined;
  let lastJob: JobView | undefined;
  let generation = 0;

  const fileInput = $<HTMLInputElement>('file');
  const drop = $('drop');
  const fileProblem = $('file-problem');
  const previewBox = $('preview-box');
  const preview = $('preview');
  const previewImg = $<HTMLImageElement>('preview-img');
  const marks = $('marks');
  const boxMark = $('box-mark');
  const pointStatus = $('point-status');
  const clearPoint = $<HTMLButtonElement>('clear-point');
  const email = $<HTMLInputElement>('email');
  const emailProblemEl = $('email-problem');
  const quality = $<HTMLSelectElement>('quality');
  /** The shape the user chose; "auto" is the worker's own choice, sent as nothing. */
  const shapeForUpload = (): { shape?: string } => {
    const chosenShape = document.querySelector<HTMLInputElement>('input[name="shape"]:checked')?.value;
    return chosenShape && chosenShape !== 'auto' ? { shape: chosenShape } : {};
  };
  const submit = $<HTMLButtonElement>('submit');
  const uploadProgress = $('upload-progress');
  const uploadBar = $<HTMLProgressElement>('upload-bar');
  const uploadProblem = $('upload-problem');
  const uploadNote = $('upload-note');
  const jobCard = $('job-card');
  const jobName = $('job-name');
  // The state is a live region (announced when it changes); the elapsed time ticks beside it, unannounced.
  const jobState = $('job-state');
  const jobElapsed = $('job-elapsed');
  const setStatus = (state: string, elapsed = ''): void => {
    if (jobState.textContent !== state) jobState.textContent = state;
    jobElapsed.textContent = elapsed;
  };
  const jobProblem = $('job-problem');
  const steps = $('steps');
  const viewerBox = $('viewer-box');
  const facts = $('mesh-facts');
  const download = $<HTMLButtonElement>('download');
  const downloads = $('downloads');
  const emailHeld = $('email-held');
  const smaller = $<HTMLInputElement>('smaller');
  const modeOf = (): PromptMode =>
    (document.querySelector<HTMLInputElement>('input[name="prompt-mode"]:checked')?.value ??
      'object') as PromptMode;

  email.value = window.localStorage.getItem('gen3d.email') ?? '';

  // ---- choosing a picture -------------------------------------------------------------------------------------
  async function choose(file: File | undefined): Promise<void> {
    hide(fileProblem);
    hide(uploadProblem);
    if (!file) return;
    const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
    const check = checkPicture(head, file.size, MAX_UPLOAD_BYTES);
    if (!check.ok) {
      chosen = undefined;
      hide(previewBox);
      show(fileProblem, check.problem);
      fileInput.value = '';
      return;
    }
    if (chosen) URL.revokeObjectURL(chosen.url);
    chosen = { file, width: check.width, height: check.height, url: URL.createObjectURL(file) };
    previewImg.src = chosen.url;
    previewImg.alt = `The picture you chose: ${file.name}, ${check.width} × ${check.height} pixels`;
    show(previewBox);
    setPrompts(NO_PROMPTS);
  }

  fileInput.addEventListener('change', () => void choose(fileInput.files?.[0]));
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    drop.addEventListener(type, () => drop.classList.remove('dragging'));
  }
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    void choose((event as DragEvent).dataTransfer?.files[0]);
  });

  // ---- the prompts: points on the object or the background, a box ---------------------------------------------
  function setPrompts(next: Prompts): void {
    prompts = chosen ? next : NO_PROMPTS;
    const rect = preview.getBoundingClientRect();
    marks.replaceChildren();
    if (chosen) {
      for (const p of prompts.points) {
        const at = pointInBox(p, rect, chosen);
        const mark = document.createElement('span');
        mark.className = p.label === 1 ? 'marker' : 'marker negative';
        mark.style.left = `${at.left * 100}%`;
        mark.style.top = `${at.top * 100}%`;
        marks.append(mark);
      }
    }
    drawBox(chosen && prompts.box ? prompts.box : undefined);
    clearPoint.hidden = prompts.points.length === 0 && !prompts.box;
    pointStatus.textContent = describePrompts(prompts);
  }

  function drawBox(box: Prompts['box']): void {
    if (!chosen || !box) return hide(boxMark);
    const at = boxInFrame(box, preview.getBoundingClientRect(), chosen);
    boxMark.style.left = `${at.left * 100}%`;
    boxMark.style.top = `${at.top * 100}%`;
    boxMark.style.width = `${at.width * 100}%`;
    boxMark.style.height = `${at.height * 100}%`;
    show(boxMark);
  }

  const pointer = (event: MouseEvent): Point => {
    const rect = preview.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  // A drag in box mode draws the box; a click elsewhere (or Shift-click) places a point.
  let dragFrom: Point | undefined;
  preview.addEventListener('pointerdown', (event) => {
    if (!chosen || modeOf() !== 'box') return;
    event.preventDefault();
    preview.setPointerCapture(event.pointerId);
    dragFrom = pixelAt(pointer(event), preview.getBoundingClientRect(), chosen);
  });
  preview.addEventListener('pointermove', (event) => {
    if (!chosen || !dragFrom) return;
    const to = pixelAt(pointer(event), preview.getBoundingClientRect(), chosen);
    drawBox(boxFromCorners(dragFrom, to, chosen) ?? prompts.box);
  });
  const endDrag = (event: PointerEvent): void => {
    if (!chosen || !dragFrom) return;
    const box = boxFromCorners(
      dragFrom,
      pixelAt(pointer(event), preview.getBoundingClientRect(), chosen),
      chosen,
    );
    dragFrom = undefined;
    setPrompts(box ? withBox(prompts, box) : prompts);
  };
  preview.addEventListener('pointerup', endDrag);
  preview.addEventListener('pointercancel', () => {
    dragFrom = undefined;
    setPrompts(prompts);
  });

  preview.addEventListener('click', (event) => {
    if (!chosen) return;
    const mode = modeOf();
    if (mode === 'box' && !event.shiftKey) return;
    const rect = preview.getBoundingClientRect();
    const at = pointInImage(pointer(event), rect, chosen);
    if (at) setPrompts(addPoint(prompts, at, mode === 'background' || event.shiftKey ? 0 : 1));
  });
  preview.addEventListener('keydown', (event) => {
    if (!chosen) return;
    const mode = modeOf();
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (mode === 'box') {
        if (!prompts.box) setPrompts(withBox(prompts, centredBox(chosen)));
      } else {
        const centre = { x: Math.floor(chosen.width / 2), y: Math.floor(chosen.height / 2) };
        setPrompts(addPoint(prompts, centre, mode === 'background' ? 0 : 1));
      }
    } else if (event.key === 'Escape' || event.key === 'Delete' || event.key === 'Backspace') {
      setPrompts(removeLast(prompts, mode));
    } else if (mode === 'box' && prompts.box) {
      const moved = nudgeBox(prompts.box, event.key, chosen, event.shiftKey);
      if (moved) {
        event.preventDefault();
        setPrompts(withBox(prompts, moved));
      }
    } else if (mode !== 'box') {
      const last = prompts.points.at(-1);
      const moved = last ? nudgePoint(last, event.key, chosen, event.shiftKey) : undefined;
      if (moved) {
        event.preventDefault();
        setPrompts(moveLastPoint(prompts, moved));
      }
    }
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="prompt-mode"]')) {
    radio.addEventListener('change', () => preview.classList.toggle('box-mode', modeOf() === 'box'));
  }
  clearPoint.addEventListener('click', () => {
    setPrompts(NO_PROMPTS);
    preview.focus();
  });
  window.addEventListener('resize', () => setPrompts(prompts));

  // ---- uploading ----------------------------------------------------------------------------------------------
  email.addEventListener('blur', () => {
    if (email.value.trim() === '') return;
    const problem = emailProblem(email.value);
    if (problem) show(emailProblemEl, problem);
    else hide(emailProblemEl);
  });

  $('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void upload();
  });

  async function upload(): Promise<void> {
    hide(uploadProblem);
    hide(uploadNote);
    if (!chosen) {
      show(fileProblem, 'Please choose a PNG picture first.');
      fileInput.focus();
      return;
    }
    const problem = emailProblem(email.value);
    if (problem) {
      show(emailProblemEl, problem);
      email.setAttribute('aria-invalid', 'true');
      email.focus();
      return;
    }
    email.removeAttribute('aria-invalid');
    hide(emailProblemEl);
    window.localStorage.setItem('gen3d.email', email.value.trim());
    submit.disabled = true;
    uploadBar.value = 0;
    show(uploadProgress);
    try {
      const grant = await api.requestUpload({
        fileName: chosen.file.name,
        size: chosen.file.size,
        email: email.value.trim(),
        quality: quality.value,
        ...shapeForUpload(),
        ...promptsForUpload(prompts),
        ...outputsForUpload(
          [...document.querySelectorAll<HTMLInputElement>('input[name="format"]:checked')].map(
            (c) => c.value,
          ),
          smaller.checked,
        ),
      });
      await postFile(grant.upload, chosen.file, (fraction) => (uploadBar.value = Math.round(fraction * 100)));
      const startedAt = Date.now();
      renderRecent(
        rememberJob(window.localStorage, {
          name: grant.name,
          fileName: chosen.file.name,
          startedAt: new Date(startedAt).toISOString(),
        }),
      );
      if (!grant.address.confirmed) {
        show(
          uploadNote,
          grant.address.confirmation === 'sent'
            ? `We sent a confirmation link to ${email.value.trim()}. Results are emailed only after you open it once; until then, follow your picture here.`
            : `Your address is not confirmed yet: results are emailed only once you open the confirmation link we sent. Follow your picture here.`,
        );
      }
      watch({ name: grant.name, startedAt, fileName: chosen.file.name });
    } catch (error) {
      const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
      show(uploadProblem, apiProblem(e.status, e.code, e.message));
    } finally {
      submit.disabled = false;
      hide(uploadProgress);
    }
  }

  // ---- following a job ----------------------------------------------------------------------------------------
  function watch(target: Watched): void {
    generation += 1;
    window.clearTimeout(pollTimer);
    window.clearInterval(tickTimer);
    watched = target;
    lastJob = undefined;
    hide(jobProblem);
    hide(viewerBox);
    hide(facts);
    hide(downloads);
    hide(emailHeld);
    show(jobCard);
    show(steps);
    jobName.textContent = target.fileName ?? target.name ?? '';
    renderSteps('queued');
    setStatus('Looking up the job…');
    $('job-title').focus();
    tickTimer = window.setInterval(renderStatusLine, 1000);
    void poll(generation);
  }

  async function poll(mine: number): Promise<void> {
    const target = watched;
    if (!target || mine !== generation) return;
    try {
      if (!target.jobId) {
        // Until the pipeline has seen the upload, the job is known by the upload's name only.
        const found = await api.findJobByName(target.name as string);
        if (found) {
          target.jobId = found.jobId;
          history.replaceState(null, '', jobHash(found.jobId));
        }
      }
      const job = target.jobId ? await api.job(target.jobId, target.access) : undefined;
      if (mine !== generation) return;
      if (job) {
        update(job);
        // A finished job is followed a little longer while its email is not sent or held yet (the notice below).
        if (isFinal(stepOf(job.state)) && !(job.state === 'done' && emailPending(job, target))) return;
      }
    } catch (error) {
      if (mine !== generation) return;
      const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
      if (e.status === 404 || e.status === 401) {
        window.clearInterval(tickTimer);
        setStatus('');
        hide(steps);
        show(jobProblem, apiProblem(e.status, e.code, e.message));
        return;
      }
      setStatus(`${apiProblem(e.status, e.code, e.message)} Retrying…`);
    }
    pollTimer = window.setTimeout(() => void poll(mine), POLL_MS);
  }

  /** Whether to look again for a done job's email state: only while the API may still fill it in (a minute). */
  function emailPending(job: JobView, target: Watched): boolean {
    if (job.email !== undefined || target.access) return false; // an email link: its email went out already
    target.emailPolls = (target.emailPolls ?? 0) + 1;
    return target.emailPolls <= 30;
  }

  function update(job: JobView): void {
    const previous = lastJob;
    lastJob = job;
    const step = stepOf(job.state);
    jobName.textContent = watched?.fileName ? `${watched.fileName}` : job.name;
    renderSteps(step);
    renderStatusLine();
    if (watched?.name || watched?.fileName) {
      renderRecent(
        rememberJob(window.localStorage, {
          name: job.name,
          fileName: watched.fileName ?? job.name,
          jobId: job.jobId,
          ...(watched.access ? { access: watched.access } : {}),
          startedAt: new Date(watched.startedAt ?? Date.parse(job.updatedAt)).toISOString(),
          state: job.state,
        }),
      );
    }
    const notice = emailNotice(job.email);
    if (notice) show(emailHeld, notice);
    else hide(emailHeld);
    if (step === 'failed') {
      window.clearInterval(tickTimer);
      show(jobProblem, `${job.error?.reason ?? 'The job failed.'}${job.error ? ` (${job.error.code})` : ''}`);
    }
    if (step === 'done' && previous?.state !== 'done') {
      window.clearInterval(tickTimer);
      void showMesh(job, generation);
    }
  }

  function renderSteps(current: Step): void {
    const order: Step[] = ['uploading', 'queued', 'reconstructing', 'done'];
    // A failed job stops at the step it failed in: reconstructing once the worker had started, else queued.
    const failedAt: Step = lastJob?.startedAt ? 'reconstructing' : 'queued';
    const index = order.indexOf(current === 'failed' ? failedAt : current);
    for (const item of steps.querySelectorAll<HTMLElement>('li')) {
      const i = order.indexOf(item.dataset['step'] as Step);
      item.classList.toggle('complete', index > i || current === 'done');
      item.classList.toggle('current', index === i && current !== 'done');
      item.classList.toggle('failed', index === i && current === 'failed');
      if (index === i) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    }
    steps.classList.toggle('failed', current === 'failed');
  }

  function renderStatusLine(): void {
    const job = lastJob;
    const step = job ? stepOf(job.state) : 'queued';
    // The pipeline's own times when known (a job opened from a link), else this browser's upload time.
    const started = watched?.startedAt ?? (job ? Date.parse(job.queuedAt) : undefined);
    const end = job?.finishedAt ? Date.parse(job.finishedAt) : Date.now();
    const elapsed = started !== undefined ? ` · ${formatElapsed(end - started)}` : '';
    const label = job ? STEP_LABELS[step] : 'Uploaded, waiting for the pipeline';
    setStatus(label, elapsed);
  }

  async function showMesh(job: JobView, mine: number): Promise<void> {
    show(facts);
    $('fact-method').textContent = methodLabel(job.backend, job.method);
    $('fact-vertices').textContent = job.mesh ? job.mesh.vertices.toLocaleString('en') : '…';
    $('fact-faces').textContent = job.mesh ? job.mesh.faces.toLocaleString('en') : '…';
    $('fact-closed').textContent = job.mesh ? (job.mesh.watertight ? 'yes (watertight)' : 'no') : '…';
    renderDownloads(downloadableFormats(job.formats));
    try {
      const link = await api.meshLink(job.jobId, watched?.access);
      const response = await fetch(link.url);
      if (!response.ok) throw new ApiRequestError(response.status, 'mesh', `HTTP ${response.status}`);
      const ply = await response.arrayBuffer();
      if (mine !== generation) return;
      const { MeshViewer, webglAvailable } = await import('./viewer');
      if (!webglAvailable()) {
        show(
          jobProblem,
          'This browser cannot show 3D here. Download the file and open it in Blender or MeshLab.',
        );
        return;
      }
      show(viewerBox);
      const view = (viewer ??= new MeshViewer($<HTMLCanvasElement>('viewer')));
      const counts = view.show(ply);
      $('fact-vertices').textContent = counts.vertices.toLocaleString('en');
      $('fact-faces').textContent = counts.faces.toLocaleString('en');
      viewerBox.dataset['loaded'] = job.jobId;
    } catch (error) {
      const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
      show(jobProblem, `The model could not be shown: ${apiProblem(e.status, e.code, e.message)}`);
    }
  }

  /** One download button per file the job made: the PLY's is #download, the others #download-{format}. */
  function renderDownloads(formats: readonly Format[]): void {
    for (const old of downloads.querySelectorAll('button:not(#download)')) old.remove();
    for (const format of formats) {
      if (format === 'ply') continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'primary';
      button.id = `download-${format}`;
      button.dataset['format'] = format;
      button.textContent = `Download .${format}`;
      button.title = FORMAT_INFO[format].use;
      button.addEventListener('click', () => void downloadMesh(button, format));
      downloads.append(button);
    }
    show(downloads);
  }

  download.addEventListener('click', () => void downloadMesh(download, 'ply'));

  async function downloadMesh(button: HTMLButtonElement, format: Format): Promise<void> {
    const job = lastJob;
    if (!job) return;
    button.disabled = true;
    try {
      // A fresh short-lived link each time: the page may have been open for longer than a link lives.
      const link = await api.meshLink(job.jobId, watched?.access, format);
      const response = await fetch(link.url);
      if (!response.ok) throw new ApiRequestError(response.status, 'mesh', `HTTP ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = link.fileName;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
      show(jobProblem, `The download failed: ${apiProblem(e.status, e.code, e.message)}`);
    } finally {
      button.disabled = false;
    }
  }

  // ---- recent jobs --------------------------------------------------------------------------------------------
  function renderRecent(jobs: readonly RecentJob[]): void {
    const list = $('recent');
    list.replaceChildren();
    for (const job of jobs) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link-button';
      const when = new Date(job.startedAt).toLocaleString();
      const state = job.state ? STEP_LABELS[stepOf(job.state as JobView['state'])] : 'Uploaded';
      button.textContent = `${job.fileName} — ${state}, ${when}`;
      button.addEventListener('click', () => {
        if (job.jobId) history.replaceState(null, '', jobHash(job.jobId, job.access));
        watch({
          name: job.name,
          ...(job.jobId ? { jobId: job.jobId } : {}),
          ...(job.access ? { access: job.access } : {}),
          startedAt: Date.parse(job.startedAt),
          fileName: job.fileName,
        });
      });
      item.append(button);
      list.append(item);
    }
    $('recent-card').hidden = jobs.length === 0;
  }
  renderRecent(readRecent(window.localStorage));

  // ---- links: a job (the email's link, a reload) or an address confirmation -------------------------------------
  async function follow(): Promise<void> {
    const route = parseRoute(window.location.hash);
    if (route.kind === 'job') {
      const known = readRecent(window.localStorage).find((j) => j.jobId === route.jobId);
      watch({
        jobId: route.jobId,
        ...(route.access ? { access: route.access } : {}),
        ...(known
          ? { name: known.name, fileName: known.fileName, startedAt: Date.parse(known.startedAt) }
          : {}),
      });
    } else if (route.kind === 'confirm') {
      try {
        const { results } = await api.confirm(route.token);
        const emailed = results?.emailed ?? 0;
        const waited =
          emailed === 0
            ? ''
            : emailed === 1
              ? ' The result that waited for it was emailed just now.'
              : ` The ${emailed} results that waited for it were emailed just now.`;
        show(
          uploadNote,
          `Thank you: your address is confirmed for the browser that asked. Results of its pictures will be emailed to you.${waited}`,
        );
      } catch (error) {
        const e = error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
        show(uploadProblem, apiProblem(e.status, e.code, e.message));
      }
      history.replaceState(null, '', window.location.pathname);
    }
  }
  window.addEventListener('hashchange', () => void follow());
  await follow();
}

void start();
