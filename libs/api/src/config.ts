import {
  LINK_EXPIRY_SECONDS,
  MAX_UPLOAD_BYTES,
  parseWebUploadLimits,
  RETENTION_DAYS,
  WEB_URL,
  webUploadLimitsOf,
  type WebUploadLimits,
} from '@gen3d/jobs';
import {
  checkSettings,
  integerSetting,
  optionalSetting,
  readSettings,
  type Environment,
  type ValuesOf,
} from '@gen3d/runtime';

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
  /** How many days a job's files are kept after it ended (RETENTION_DAYS): the job views' `keptUntil`. */
  readonly retentionDays: number;
}

const API_SETTINGS = {
  webUrl: WEB_URL,
  confirmationEmailsPerDay: integerSetting('CONFIRMATION_EMAILS_PER_DAY', 3, 1, 100),
  confirmationAddressesPerSession: integerSetting('CONFIRMATION_ADDRESSES_PER_SESSION', 3, 1, 100),
  confirmationEmailsPerHourTotal: integerSetting('CONFIRMATION_EMAILS_PER_HOUR_TOTAL', 60, 1, 1_000_000),
  confirmationEmailsPerDayTotal: integerSetting('CONFIRMATION_EMAILS_PER_DAY_TOTAL', 500, 1, 10_000_000),
  sessionsPerHour: integerSetting('SESSIONS_PER_HOUR', 2000, 1, 10_000_000),
  maxUploadBytes: MAX_UPLOAD_BYTES,
  uploadExpirySeconds: integerSetting('UPLOAD_EXPIRY_SECONDS', 120, 30, 3600),
  meshLinkSeconds: integerSetting('MESH_LINK_SECONDS', 300, 60, 3600),
  linkExpirySeconds: LINK_EXPIRY_SECONDS,
  requestTimeoutSeconds: integerSetting('REQUEST_TIMEOUT_SECONDS', 30, 1, 900),
  retentionDays: RETENTION_DAYS,
};

/** What a composing process (the local stack) gives typed; the rest is read from the environment. */
export interface GivenApiSettings {
  readonly webUrl?: string;
  readonly linkExpirySeconds?: number;
  readonly maxUploadBytes?: number;
  readonly limits?: WebUploadLimits;
  readonly retentionDays?: number;
}

/**
 * @example parseApiConfig({ WEB_URL: 'http://127.0.0.1:4200/' })
 * @example parseApiConfig(process.env, { webUrl, linkExpirySeconds, maxUploadBytes, limits }) // the local stack
 */
export function parseApiConfig(env: Environment, given: GivenApiSettings = {}): ApiConfig {
  const { limits, ...typed } = given;
  const read = readSettings(
    env,
    typed.webUrl ? { ...API_SETTINGS, webUrl: optionalSetting(WEB_URL) } : API_SETTINGS,
  );
  const settings = checkSettings({ ...read, ...typed } as ValuesOf<typeof API_SETTINGS>, API_SETTINGS);
  return apiConfigFrom(settings, limits ? webUploadLimitsOf(limits) : parseWebUploadLimits(env));
}

function apiConfigFrom(settings: ValuesOf<typeof API_SETTINGS>, limits: WebUploadLimits): ApiConfig {
  const { requestTimeoutSeconds, ...rest } = settings;
  return { ...rest, limits, requestTimeoutMs: requestTimeoutSeconds * 1000 };
}

/** The confirmation email's link: the web app posts the token to `/confirm`. */
export function confirmationLink(webUrl: string, token: string): string {
  return `${webUrl}#confirm=${encodeURIComponent(token)}`;
}
