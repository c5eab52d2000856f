import { checkSettings, readSettings, type Environment } from '@gen3d/runtime';
import type { JobStatus } from '@gen3d/events';
import { MAX_INVOCATION_TIMEOUT_SECONDS, MAX_REQUEST_TTL_SECONDS } from './extract-config';
import { ADDRESS_DAILY_CAP, MAX_ACTIVE_JOBS_PER_USER } from './settings';

/**
 * The abuse limits of web uploads, read by the web API (when it grants an upload) and the extract function (when it
 * accepts one), from the same variables with the same defaults. Decision 0025 says what each one stops.
 */
export interface WebUploadLimits {
  /** Jobs a session may have queued or running (MAX_ACTIVE_JOBS_PER_USER). */
  readonly maxActiveJobsPerUser: number;
  /** Web uploads accepted per mailbox per UTC day (ADDRESS_DAILY_CAP). */
  readonly addressDailyCap: number;
}

/** A job still queued or running after this long is stuck, not active: it no longer counts against the quota. */
export const STUCK_JOB_MS = 60 * 60 * 1000;

/**
 * Whether a job may still write: a queued request can wait in SageMaker's queue for its TTL and then run, a running
 * one until its own time is up (STUCK_JOB_MS). Deleting it before then could bring it back: as a failure (its
 * picture gone) that mails the admin, or as a mesh whose upload, and so whose recipient, is gone.
 */
export function jobMayStillRun(status: Pick<JobStatus, 'state' | 'updatedAt'>, now: Date): boolean {
  const window =
    status.state === 'queued'
      ? (MAX_REQUEST_TTL_SECONDS + MAX_INVOCATION_TIMEOUT_SECONDS) * 1000
      : status.state === 'reconstructing'
        ? STUCK_JOB_MS
        : 0;
  return window > 0 && now.getTime() - Date.parse(status.updatedAt) < window;
}

const LIMIT_SETTINGS = { maxActiveJobsPerUser: MAX_ACTIVE_JOBS_PER_USER, addressDailyCap: ADDRESS_DAILY_CAP };

/** @example parseWebUploadLimits({}) // { maxActiveJobsPerUser: 3, addressDailyCap: 20 } */
export function parseWebUploadLimits(env: Environment): WebUploadLimits {
  return readSettings(env, LIMIT_SETTINGS);
}

/** The same limits given typed. */
export function webUploadLimitsOf(limits: WebUploadLimits): WebUploadLimits {
  return checkSettings({ ...limits }, LIMIT_SETTINGS);
}

/** The UTC day of a time, as the caps count days. @example utcDay(new Date('2026-12-06T23:00Z')) // '2026-12-06' */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
