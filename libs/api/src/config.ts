import { MAX_LINK_EXPIRY_SECONDS, parseWebUploadLimits, type WebUploadLimits } from '@gen3d/jobs';
import { ConfigError, integerEnv, type Environment } from '@gen3d/runtime';

/** The API's settings, parsed once at start-up. */
export interface ApiConfig {
  /** The web app's address (`…/index.html` or an origin with `/`): email links open `{webUrl}#job=…`. */
  readonly webUrl: string;
  /**
   * Jobs a session may have in progress (granted uploads included) and web uploads per mailbox per UTC day: checked
   * here when granting, counted by the extract function when accepting (the same variables).
   */
  readonly limits: WebUploadLimits;
  /** Confirmation emails per mailbox per day (an unconfirmed address is someone else's until proven). */
  readonly confirmationEmailsPerDay: number;
  /** Distinct mailboxes one session may have confirmation emails sent to per day. */
  readonly confirmationAddressesPerSession: number;
  /** Confirmation emails of all sessions together, per hour and per UTC day. */
  readonly confirmationEmailsPerHourTotal: number;
  readonly confirmationEmailsPerDayTotal: number;
  /** New sessions (POST /session) of all callers together per hour. */
  readonly sessionsPerHour: number;
  readonly maxUploadBytes: number;
  /** How long a presigned POST form works: a browser posts it at once (the form is one job, posted once). */
  readonly uploadExpirySeconds: number;
  /** How long a mesh download link works (the web app asks for a fresh one each time). */
  readonly meshLinkSeconds: number;
  /**
   * How long the links to extra formats in a held result's email work (LINK_EXPIRY_SECONDS, as for the notify
   * function; the main link opens the web app and does not expire).
   */
  readonly linkExpirySeconds: number;
  /**
   * The longest one request can run (REQUEST_TIMEOUT_SECONDS, at least the function's timeout): the deadline of the
   * notification lock a confirmation takes to email held results.
   */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** @example parseApiConfig({ WEB_URL: 'http://127.0.0.1:4200/' }) */
export function parseApiConfig(env: Environment): ApiConfig {
  const webUrl = env['WEB_URL'];
  if (!webUrl)
    throw new ConfigError('WEB_URL is not set (the web app address, e.g. https://host/index.html)');
  let parsed: URL;
  try {
    parsed = new URL(webUrl);
  } catch {
    throw new ConfigError(`WEB_URL is not a URL: ${JSON.stringify(webUrl)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost') {
    throw new ConfigError('WEB_URL must use https (http only for 127.0.0.1 or localhost)');
  }
  if (parsed.hash || parsed.search) throw new ConfigError('WEB_URL must have no query and no fragment');
  return {
    webUrl: parsed.href,
    limits: parseWebUploadLimits(env),
    confirmationEmailsPerDay: integerEnv(env, 'CONFIRMATION_EMAILS_PER_DAY', 3, 1, 100),
    confirmationAddressesPerSession: integerEnv(env, 'CONFIRMATION_ADDRESSES_PER_SESSION', 3, 1, 100),
    confirmationEmailsPerHourTotal: integerEnv(env, 'CONFIRMATION_EMAILS_PER_HOUR_TOTAL', 60, 1, 1_000_000),
    confirmationEmailsPerDayTotal: integerEnv(env, 'CONFIRMATION_EMAILS_PER_DAY_TOTAL', 500, 1, 10_000_000),
    sessionsPerHour: integerEnv(env, 'SESSIONS_PER_HOUR', 2000, 1, 10_000_000),
    maxUploadBytes: integerEnv(env, 'MAX_UPLOAD_BYTES', DEFAULT_MAX_UPLOAD_BYTES, 1024, 100 * 1024 * 1024),
    uploadExpirySeconds: integerEnv(env, 'UPLOAD_EXPIRY_SECONDS', 120, 30, 3600),
    meshLinkSeconds: integerEnv(env, 'MESH_LINK_SECONDS', 300, 60, 3600),
    linkExpirySeconds: integerEnv(
      env,
      'LINK_EXPIRY_SECONDS',
      MAX_LINK_EXPIRY_SECONDS,
      60,
      MAX_LINK_EXPIRY_SECONDS,
    ),
    requestTimeoutMs: integerEnv(env, 'REQUEST_TIMEOUT_SECONDS', 30, 1, 900) * 1000,
  };
}

/** The confirmation email's link: the web app posts the token to `/confirm`. */
export function confirmationLink(webUrl: string, token: string): string {
  return `${webUrl}#confirm=${encodeURIComponent(token)}`;
}
