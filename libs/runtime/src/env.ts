import { ConfigError } from './errors';

/**
 * Process configuration is a boundary too: environment variables are parsed once, at start-up, into typed values,
 * and a missing or malformed one is named in a ConfigError.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** @example requiredEnv(process.env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name') */
export function requiredEnv(env: Environment, name: string, pattern: RegExp, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is not set (${what})`);
  if (!pattern.test(value)) throw new ConfigError(`${name} is not ${what}: ${JSON.stringify(value)}`);
  return value;
}

/** An integer setting with a default, refused outside [min, max]. */
export function integerEnv(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
  }
  return value;
}
