import { checkSettings, readSettings, type Environment } from '@gen3d/runtime';
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
