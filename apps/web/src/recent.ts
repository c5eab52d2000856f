/** The jobs this browser started or opened, newest first (kept in localStorage, at most 20). */

export interface RecentJob {
  /** The stored name (unique per upload); the job id arrives once the pipeline has seen the upload. */
  readonly name: string;
  readonly fileName: string;
  readonly jobId?: string;
  /** Access token of a job opened from an email link (no session of this browser owns it). */
  readonly access?: string;
  readonly startedAt: string;
  readonly state?: string;
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
