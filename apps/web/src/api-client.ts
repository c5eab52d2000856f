/** The browser's side of the API (libs/api): sessions, upload grants, jobs, mesh and picture links, retries. */

import type { ImageLink, JobView, MeshLink, RetryAnswer, RetryRequest, UploadGrant } from '@gen3d/events';

export type { ImageLink, JobView, MeshLink, RetryAnswer, RetryRequest, UploadGrant };

/** The pictures a job makes beside its mesh (`JobView.images`). */
export type ImageKind = NonNullable<JobView['images']>[number];

/** A refused or failed request: `status` 0 when the API could not be reached at all. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';

  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Any failure as an {@link ApiRequestError}: anything else (a network error, a bug) as status 0. */
export function toApiRequestError(error: unknown): ApiRequestError {
  return error instanceof ApiRequestError ? error : new ApiRequestError(0, undefined, String(error));
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The local stack's mount point of the API: the default when no config.json sits beside the page. */
export const DEFAULT_API_BASE = '/api';

/**
 * Where the API is: `apiBase` of the config.json beside the page (the AWS deployment writes it), without a trailing
 * slash, else {@link DEFAULT_API_BASE}.
 */
export async function readApiBase(fetchFn: Fetch): Promise<string> {
  try {
    const response = await fetchFn('./config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = (await response.json()) as { apiBase?: unknown };
      if (typeof config.apiBase === 'string' && config.apiBase !== '')
        return config.apiBase.replace(/\/$/, '');
    }
  } catch {
    // no config next to the page: the default (the local stack's mount point)
  }
  return DEFAULT_API_BASE;
}

export interface SessionStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const SESSION_KEY = 'gen3d.session';

/** The body of `POST /uploads`: the picture, the address, and what the user asked for. */
export interface UploadRequest {
  fileName: string;
  size: number;
  email: string;
  point?: { x: number; y: number };
  quality?: string;
  /** SAM-style prompts: points with label 1 (object) or 0 (background), and a box; pixels of the picture. */
  points?: readonly { x: number; y: number; label: 0 | 1 }[];
  box?: { x0: number; y0: number; x1: number; y1: number };
  /** The mesh files to make (the PLY always), and a face count to make them smaller. */
  formats?: readonly string[];
  targetFaces?: number;
  /** The shape hypothesis: inflate, revolve or slab (absent: the worker chooses). */
  shape?: string;
}

export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly fetchFn: Fetch,
    private readonly storage: SessionStore,
  ) {}

  private async call<T>(path: string, init: RequestInit & { access?: string } = {}): Promise<T> {
    try {
      return await this.callOnce<T>(path, init);
    } catch (error) {
      // A session the API no longer knows (its key changed, its store was wiped): start a new one, once.
      if (
        error instanceof ApiRequestError &&
        error.code === 'no-session' &&
        !init.access &&
        path !== '/session'
      ) {
        return this.callOnce<T>(path, init);
      }
      throw error;
    }
  }

  private async callOnce<T>(path: string, init: RequestInit & { access?: string }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.access) headers['x-gen3d-access'] = init.access;
    else if (path !== '/session' && path !== '/confirm') {
      headers['authorization'] = `Bearer ${await this.session()}`;
    }
    let response: Response;
    try {
      response = await this.fetchFn(`${this.base}${path}`, { ...init, headers });
    } catch {
      throw new ApiRequestError(0, 'unreachable', 'The service cannot be reached.');
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retry = Number(response.headers.get('retry-after'));
      if (response.status === 401 && error?.code === 'no-session' && !init.access) {
        this.storage.removeItem(SESSION_KEY); // a key change or a wiped store: the next call starts a new session
      }
      throw new ApiRequestError(
        response.status,
        error?.code,
        error?.message ?? `HTTP ${response.status}`,
        Number.isFinite(retry) && retry > 0 ? retry : undefined,
      );
    }
    return body as T;
  }

  /** This browser's session token, created on first use. */
  async session(): Promise<string> {
    const existing = this.storage.getItem(SESSION_KEY);
    if (existing) return existing;
    const created = await this.call<{ token: string }>('/session', { method: 'POST' });
    this.storage.setItem(SESSION_KEY, created.token);
    return created.token;
  }

  requestUpload(input: UploadRequest): Promise<UploadGrant> {
    return this.call('/uploads', { method: 'POST', body: JSON.stringify(input) });
  }

  async findJobByName(name: string): Promise<JobView | undefined> {
    const { jobs } = await this.call<{ jobs: JobView[] }>(`/jobs?name=${encodeURIComponent(name)}`);
    return jobs[0];
  }

  async listJobs(): Promise<JobView[]> {
    return (await this.call<{ jobs: JobView[] }>('/jobs')).jobs;
  }

  async job(jobId: string, access?: string): Promise<JobView> {
    return (await this.call<{ job: JobView }>(`/jobs/${encodeURIComponent(jobId)}`, access ? { access } : {}))
      .job;
  }

  /** A fresh short-lived link to one of the job's files (the PLY when no format is named). */
  meshLink(jobId: string, access?: string, format?: string): Promise<MeshLink> {
    const query = format && format !== 'ply' ? `?format=${encodeURIComponent(format)}` : '';
    return this.call(`/jobs/${encodeURIComponent(jobId)}/mesh${query}`, access ? { access } : {});
  }

  /** The job's PLY, through a fresh link (what the 3D view shows). */
  async meshBytes(jobId: string, access?: string): Promise<ArrayBuffer> {
    const link = await this.meshLink(jobId, access);
    return (await this.fetchFile(link.url)).arrayBuffer();
  }

  /**
   * One of the job's files to save, with the name to save it under. A fresh short-lived link each time: the page
   * may have been open for longer than a link lives.
   */
  async meshFile(jobId: string, access?: string, format?: string): Promise<{ fileName: string; blob: Blob }> {
    const link = await this.meshLink(jobId, access, format);
    return { fileName: link.fileName, blob: await (await this.fetchFile(link.url)).blob() };
  }

  /** A fresh short-lived link to one of the job's pictures: its thumbnail or the mask the model used. */
  imageLink(jobId: string, kind: ImageKind, access?: string): Promise<ImageLink> {
    return this.call(
      `/jobs/${encodeURIComponent(jobId)}/image?kind=${encodeURIComponent(kind)}`,
      access ? { access } : {},
    );
  }

  /** One of the job's pictures as bytes (drawn in the page, where a cross-origin image could not be read). */
  async imageBlob(jobId: string, kind: ImageKind, access?: string): Promise<Blob> {
    const link = await this.imageLink(jobId, kind, access);
    return (await this.fetchFile(link.url)).blob();
  }

  /** A new job on the same picture with these options (202): follow it by its name like an upload. */
  retry(jobId: string, request: RetryRequest): Promise<RetryAnswer> {
    // The session's own jobs only: an email link's access token cannot retry (the API answers 401).
    return this.call(`/jobs/${encodeURIComponent(jobId)}/retry`, {
      method: 'POST',
      body: JSON.stringify(request),
    });
  }

  /** Deletes the job and all its files, every stored version (204). Another user's job or an unknown one: 404. */
  async deleteJob(jobId: string): Promise<void> {
    await this.call<undefined>(`/jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE' });
  }

  /** A file behind a link (storage, not the API): a refusal is an {@link ApiRequestError} with code `mesh`. */
  private async fetchFile(url: string): Promise<Response> {
    const response = await this.fetchFn(url);
    if (!response.ok) throw new ApiRequestError(response.status, 'mesh', `HTTP ${response.status}`);
    return response;
  }

  /** Confirms the address; the results that waited for it are emailed now (`results.emailed`). */
  confirm(token: string): Promise<{ confirmed: boolean; results?: { emailed: number; waiting: number } }> {
    return this.call('/confirm', { method: 'POST', body: JSON.stringify({ token }) });
  }
}

/**
 * Posts the file to the presigned POST's URL (fields first, the file last, as S3 wants), reporting progress.
 * XMLHttpRequest, because fetch cannot report upload progress.
 */
export function postFile(
  grant: UploadGrant['upload'],
  file: Blob,
  onProgress: (fraction: number) => void,
  xhrFactory: () => XMLHttpRequest = () => new XMLHttpRequest(),
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
  form.append('file', file);
  return new Promise((resolve, reject) => {
    const xhr = xhrFactory();
    xhr.open('POST', grant.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(
          new ApiRequestError(xhr.status, 'upload-refused', `The upload was refused (HTTP ${xhr.status}).`),
        );
      }
    };
    xhr.onerror = () =>
      reject(new ApiRequestError(0, 'unreachable', 'The upload could not reach the storage.'));
    xhr.send(form);
  });
}
