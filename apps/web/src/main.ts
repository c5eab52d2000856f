import { ApiClient, ApiRequestError, postFile, type JobView } from './api-client';
import { emailProblem, nudgePoint, pointInBox, pointInImage, type Point } from './form';
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
  let point: Point | undefined;
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
  const marker = $('marker');
  const pointStatus = $('point-status');
  const clearPoint = $<HTMLButtonElement>('clear-point');
  const email = $<HTMLInputElement>('email');
  const emailProblemEl = $('email-problem');
  const quality = $<HTMLSelectElement>('quality');
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
    setPoint(undefined);
    show(previewBox);
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

  // ---- the point prompt ---------------------------------------------------------------------------------------
  function setPoint(next: Point | undefined): void {
    point = next;
    if (!chosen || !next) {
      hide(marker);
      hide(clearPoint);
      pointStatus.textContent = 'No point marked: the largest object is used.';
      return;
    }
    const rect = preview.getBoundingClientRect();
    const at = pointInBox(next, rect, chosen);
    marker.style.left = `${at.left * 100}%`;
    marker.style.top = `${at.top * 100}%`;
    show(marker);
    show(clearPoint);
    pointStatus.textContent = `Point marked at x ${next.x}, y ${next.y} (pixels of the picture).`;
  }

  preview.addEventListener('click', (event) => {
    if (!chosen) return;
    const rect = preview.getBoundingClientRect();
    const at = pointInImage({ x: event.clientX - rect.left, y: event.clientY - rect.top }, rect, chosen);
    if (at) setPoint(at);
  });
  preview.addEventListener('keydown', (event) => {
    if (!chosen) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      setPoint(point ?? { x: Math.floor(chosen.width / 2), y: Math.floor(chosen.height / 2) });
    } else if (event.key === 'Escape' || event.key === 'Delete' || event.key === 'Backspace') {
      setPoint(undefined);
    } else if (point) {
      const moved = nudgePoint(point, event.key, chosen, event.shiftKey);
      if (moved) {
        event.preventDefault();
        setPoint(moved);
      }
    }
  });
  clearPoint.addEventListener('click', () => {
    setPoint(undefined);
    preview.focus();
  });
  window.addEventListener('resize', () => setPoint(point));

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
        ...(point ? { point } : {}),
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
    hide(download);
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
        if (isFinal(stepOf(job.state))) return;
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
    show(download);
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

  download.addEventListener('click', () => void downloadMesh());

  async function downloadMesh(): Promise<void> {
    const job = lastJob;
    if (!job) return;
    download.disabled = true;
    try {
      // A fresh short-lived link each time: the page may have been open for longer than a link lives.
      const link = await api.meshLink(job.jobId, watched?.access);
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
      download.disabled = false;
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
          `Thank you: your address is confirmed. Results of your pictures will be emailed to you.${waited}`,
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
