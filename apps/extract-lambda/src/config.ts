/** The extract lambda's settings: the seed's environment variables, checked once at cold start. */
export interface ExtractConfig {
  readonly endpointName: string;
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly maxInputBytes: number;
  readonly requestTtlSeconds: number;
  readonly invocationTimeoutSeconds: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function required(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is not set (${what})`);
  if (!pattern.test(value)) throw new ConfigError(`${name} is not ${what}: ${JSON.stringify(value)}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** @example parseExtractConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseExtractConfig(env: NodeJS.ProcessEnv): ExtractConfig {
  return {
    endpointName: required(env, 'SAGEMAKER_ENDPOINT_NAME', ENDPOINT_NAME, 'a SageMaker endpoint name'),
    dataBucket: required(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    adminEmail: required(env, 'ADMIN_EMAIL', EMAIL, 'an email address'),
    maxInputBytes: integer(env, 'MAX_INPUT_BYTES', 50 * 1024 * 1024, 1, 5 * 1024 ** 3),
    requestTtlSeconds: integer(env, 'REQUEST_TTL_SECONDS', 6 * 3600, 60, 21600),
    invocationTimeoutSeconds: integer(env, 'INVOCATION_TIMEOUT_SECONDS', 900, 1, 3600),
  };
}
