import {
  checkSettings,
  optionalSetting,
  readSettings,
  type Environment,
  type ValuesOf,
} from '@gen3d/runtime';
import {
  ADMIN_EMAIL,
  DATA_BUCKET,
  LINK_EXPIRY_SECONDS,
  RETENTION_DAYS,
  SOURCE_EMAIL,
  WEB_URL,
} from './settings';

const NOTIFY_SETTINGS = {
  dataBucket: DATA_BUCKET,
  adminEmail: ADMIN_EMAIL,
  sourceEmail: SOURCE_EMAIL,
  /** How long the download link works: at most 7 days, the limit of SigV4 presigned URLs. */
  linkExpirySeconds: LINK_EXPIRY_SECONDS,
  /**
   * The web app (optional): when set, the email of an upload made through the web API links to the job in the web
   * app, which fetches a fresh download link each time; without it, the email carries a presigned link.
   */
  webUrl: optionalSetting(WEB_URL),
  /** How long the files are kept (the bucket's lifecycle rules): the result email says until when. */
  retentionDays: RETENTION_DAYS,
};

/** The notify core's settings: the seed's environment variables, checked once at cold start. */
export type NotifyConfig = Readonly<ValuesOf<typeof NOTIFY_SETTINGS>>;

/** @example parseNotifyConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseNotifyConfig(env: Environment): NotifyConfig {
  return readSettings(env, NOTIFY_SETTINGS);
}

/**
 * The same settings given typed (the local stack composes the core in its own process); `retentionDays` absent is
 * the setting's default.
 */
export function notifyConfigOf(
  values: Omit<NotifyConfig, 'retentionDays'> & { readonly retentionDays?: number },
): NotifyConfig {
  return checkSettings(
    { ...values, retentionDays: values.retentionDays ?? RETENTION_DAYS.fromEnv({}) },
    NOTIFY_SETTINGS,
  );
}
