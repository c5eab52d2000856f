/** The notify lambda's settings: the seed's environment variables, checked once at cold start. */
export interface NotifyConfig {
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly sourceEmail: string;
  /** How long the download link works: at most 7 days, the limit of SigV4 presigned URLs. */
  readonly linkExpirySeconds: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;

function required(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is not set (${what})`);
  if (!pattern.test(value)) throw new ConfigError(`${name} is not ${what}: ${JSON.stringify(value)}`);
  return value;
}

/** @example parseNotifyConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseNotifyConfig(env: NodeJS.ProcessEnv): NotifyConfig {
  const raw = env['LINK_EXPIRY_SECONDS'];
  const linkExpirySeconds = raw === undefined || raw === '' ? MAX_LINK_EXPIRY_SECONDS : Number(raw);
  if (
    !Number.isInteger(linkExpirySeconds) ||
    linkExpirySeconds < 60 ||
    linkExpirySeconds > MAX_LINK_EXPIRY_SECONDS
  ) {
    throw new ConfigError(
      `LINK_EXPIRY_SECONDS must be an integer from 60 to ${MAX_LINK_EXPIRY_SECONDS}; got ${raw}`,
    );
  }
  return {
    dataBucket: required(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    adminEmail: required(env, 'ADMIN_EMAIL', EMAIL, 'an email address'),
    sourceEmail: required(env, 'SOURCE_EMAIL', EMAIL, 'an email address'),
    linkExpirySeconds,
  };
}
