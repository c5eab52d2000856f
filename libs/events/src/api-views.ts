import type { MeshFormat } from '@gen3d/s3-keys';
import type { JobStatus } from './documents';

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
