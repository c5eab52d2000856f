import { BUCKET_NAME, EMAIL_ADDRESS, integerEnv, requiredEnv, type Environment } from '@gen3d/runtime';

/** The notify core's settings: the seed's environment variables, checked once at cold start. */
export interface NotifyConfig {
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly sourceEmail: string;
  /** How long the download link works: at most 7 days, the limit of SigV4 presigned URLs. */
  readonly linkExpirySeconds: number;
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
  };
}
