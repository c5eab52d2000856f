import { BUCKET_NAME, EMAIL_ADDRESS, integerEnv, requiredEnv, type Environment } from '@gen3d/events';

export { ConfigError } from '@gen3d/events';

/** The extract lambda's settings: the seed's environment variables, checked once at cold start. */
export interface ExtractConfig {
  readonly endpointName: string;
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly maxInputBytes: number;
  readonly requestTtlSeconds: number;
  readonly invocationTimeoutSeconds: number;
}

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** @example parseExtractConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseExtractConfig(env: Environment): ExtractConfig {
  return {
    endpointName: requiredEnv(env, 'SAGEMAKER_ENDPOINT_NAME', ENDPOINT_NAME, 'a SageMaker endpoint name'),
    dataBucket: requiredEnv(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    adminEmail: requiredEnv(env, 'ADMIN_EMAIL', EMAIL_ADDRESS, 'an email address'),
    maxInputBytes: integerEnv(env, 'MAX_INPUT_BYTES', 50 * 1024 * 1024, 1, 5 * 1024 ** 3),
    requestTtlSeconds: integerEnv(env, 'REQUEST_TTL_SECONDS', 6 * 3600, 60, 21600),
    invocationTimeoutSeconds: integerEnv(env, 'INVOCATION_TIMEOUT_SECONDS', 900, 1, 3600),
  };
}
