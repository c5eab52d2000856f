import type { MeshFormat } from '@gen3d/s3-keys';
import type { JobOptions, JobStatus } from './documents';

/**
 * The web API's answers (libs/api serves them, apps/web reads them): one definition for both sides of the HTTP
 * boundary. Types only, so browser code imports them at no bundle cost.
 */

/** One job as `GET /jobs` and `GET /jobs/{jobId}` describe it. */
export interface JobView {
  readonly jobId: string;
  readonly name: string;
  readonly state: JobStatus['state'];
  readonly queuedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly updatedAt: string;
  /** Why it failed: the error code and the reason in plain words. */
  readonly error?: { readonly code: string; readonly reason: string };
  readonly mesh?: { readonly vertices: number; readonly faces: number; readonly watertight: boolean };
  /** The honest name of the method that made the mesh (from the job report), and its backend. */
  readonly method?: string;
  readonly backend?: string;
  readonly timingsMs?: Readonly<Record<string, number>>;
  /** The mesh files the job made (from its report), each downloadable through GET /jobs/{id}/mesh?format=…. */
  readonly formats?: readonly MeshFormat[];
  /**
   * The result email of a finished job: `held` while it waits for the address's confirmation (POST /confirm sends
   * it), `sent` once it went out. Absent while the job runs, and in listings.
   */
  readonly email?: 'held' | 'sent';
  /**
   * The pictures the job made beside its mesh, each at `GET /jobs/{id}/image?kind=…` (absent while it runs, and for
   * jobs made before they were).
   */
  readonly images?: readonly ('thumbnail' | 'mask')[];
  /** Until when the job's files are kept (the retention setting counted from when it ended). */
  readonly keptUntil?: string;
  /** The job this one re-ran (`POST /jobs/{id}/retry`): the same picture, other options. */
  readonly retryOf?: string;
}

/** `GET /jobs/{jobId}/image?kind=thumbnail|mask`: a fresh, short-lived link to one of the job's pictures. */
export interface ImageLink {
  readonly url: string;
  readonly expiresAt: string;
}

/**
 * `POST /jobs/{jobId}/retry`: the options of the new job (any of them; what is left out is not carried over from the
 * first job). The answer is `RetryAnswer` with status 202.
 */
export interface RetryRequest {
  readonly point?: JobOptions['point'];
  readonly points?: JobOptions['points'];
  readonly box?: JobOptions['box'];
  readonly shape?: JobOptions['shape'];
}

/** The new job of a retry: follow it by name like an upload (`GET /jobs?name=…`), or by id once extract wrote it. */
export interface RetryAnswer {
  readonly jobId: string;
  readonly name: string;
}

/** `POST /uploads`: the presigned POST form for one upload, and where its address stands. */
export interface UploadGrant {
  readonly name: string;
  readonly key: string;
  readonly upload: {
    readonly url: string;
    readonly fields: Record<string, string>;
    readonly expiresAt: string;
  };
  readonly address: {
    readonly confirmed: boolean;
    readonly confirmation: 'not-needed' | 'sent' | 'pending' | 'failed';
  };
}

/** `GET /jobs/{jobId}/mesh`: a fresh, short-lived link to one mesh file. */
export interface MeshLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly fileName: string;
  readonly bytes: number;
}
