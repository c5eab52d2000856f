/** The jobs this browser started or opened, newest first (kept in localStorage, at most 20). */
import type { UsedOptions } from './retry';

export interface RecentJob {
  /** The stored name (unique per upload); the job id arrives once the pipeline has seen the upload. */
  readonly name: string;
  readonly fileName: string;
  readonly jobId?: string;
  /** Access token of a job opened from an email link (no session of this browser owns it). */
  readonly access?: string;
  readonly startedAt: string;
  readonly state?: string;
  /** The job made a thumbnail (a picture of its model). */
  readonly thumbnail?: boolean;
  /** Until when its files are kept (ISO), as the API said. */
  readonly keptUntil?: string;
  /** The prompts and the shape this browser asked the job for (what "Try again" starts from). */
  readonly used?: UsedOptions;
  /** The job this one tried again. */
  readonly retryOf?: string;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'gen3d.recent';
export const MAX_RECENT = 20;

export function readRecent(storage: KeyValueStore): RecentJob[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    if (!Array.isArray(value)) return [];
    return value.filter(
      (j): j is RecentJob =>
        typeof j === 'object' &&
        j !== null &&
        typeof (j as RecentJob).name === 'string' &&
        typeof (j as RecentJob).startedAt === 'string',
    );
  } catch {
    return [];
  }
}

/** Adds or updates a job (matched by name, else by job id) and moves it to the top. */
export function rememberJob(storage: KeyValueStore, job: RecentJob): RecentJob[] {
  const others = readRecent(storage).filter(
    (j) => j.name !== job.name && (job.jobId === undefined || j.jobId !== job.jobId),
  );
  const previous = readRecent(storage).find(
    (j) => j.name === job.name || (job.jobId !== undefined && j.jobId === job.jobId),
  );
  const merged: RecentJob = { ...previous, ...job };
  const next = [merged, ...others].slice(0, MAX_RECENT);
  storage.setItem(KEY, JSON.stringify(next));
  return next;
}

/** Takes a job out of the list (it was deleted): matched by its job id, else by its name. */
export function forgetJob(
  storage: KeyValueStore,
  job: { readonly jobId?: string; readonly name?: string },
): RecentJob[] {
  const next = readRecent(storage).filter((j) =>
    job.jobId !== undefined ? j.jobId !== job.jobId : j.name !== job.name,
  );
  storage.setItem(KEY, JSON.stringify(next));
  return next;
}

/** What this browser knows of a job: its entry, by job id or by name. */
export function recentOf(
  jobs: readonly RecentJob[],
  job: { readonly jobId?: string; readonly name?: string },
): RecentJob | undefined {
  return jobs.find(
    (j) =>
      (job.jobId !== undefined && j.jobId === job.jobId) || (job.name !== undefined && j.name === job.name),
  );
}
