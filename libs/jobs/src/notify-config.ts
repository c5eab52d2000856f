import {
  BUCKET_NAME,
  ConfigError,
  EMAIL_ADDRESS,
  integerEnv,
  requiredEnv,
  type Environment,
} from '@gen3d/runtime';

/** The notify core's settings: the seed's environment variables, checked once at cold start. */
export interface NotifyConfig {
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly sourceEmail: string;
  /** How long the download link works: at most 7 days, the limit of SigV4 presigned URLs. */
  readonly linkExpirySeconds: number;
  /**
   * The web app (WEB_URL, optional): when set, the email of an upload made through the web API links to the job in
   * the web app, which fetches a fresh download link each time; without it, the email carries a presigned link.
   */
  readonly webUrl?: string;
}

export const MAX_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;

/** @example parseNotifyConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseNotifyConfig(env: Environment): NotifyConfig {
  return {
    dataBucket: requiredEnv(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    adminEmail: requiredEnv(env, 'ADMIN_EMAIL', EMAIL_ADDRESS, 'an email address'),
    sourceEmail: requiredEnv(env, 'SOURCE_EMAIL', EMAIL_ADDRESS, 'an email address'),
    linkExpirySeconds: integerEnv(
      env,
      'LINK_EXPIRY_SECONDS',
      MAX_LINK_EXPIRY_SECONDS,
      60,
      MAX_LINK_EXPIRY_SECONDS,
    ),
    ...webUrlOf(env),
  };
}

function webUrlOf(env: Environment): { webUrl?: string } {
  const value = env['WEB_URL'];
  if (value === undefined || value === '') return {};
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`WEB_URL is not an http(s) URL: ${JSON.stringify(value)}`);
  }
  return { webUrl: new URL(value).href };
}
