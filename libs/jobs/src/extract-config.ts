import { BUCKET_NAME, ConfigError, integerEnv, requiredEnv, type Environment } from '@gen3d/runtime';
import { parseWebUploadLimits, type WebUploadLimits } from './limits';

/** The extract core's settings: the seed's environment variables, checked once at cold start. */
export interface ExtractConfig {
  readonly endpointName: string;
  readonly dataBucket: string;
  readonly maxInputBytes: number;
  /** How long a request may wait in SageMaker's queue (`RequestTTLSeconds`). */
  readonly requestTtlSeconds: number;
  /**
   * How long the container may work on one request (`InvocationTimeoutSeconds`, set explicitly). The container's
   * own per-job timeout stays below it (the sidecar reads it from the request), and it stays below the TTL.
   */
  readonly invocationTimeoutSeconds: number;
  /** The web API's limits, counted again on acceptance (the same variables as the API's). */
  readonly limits: WebUploadLimits;
}

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** SageMaker's own ceilings for InvokeEndpointAsync. */
export const MAX_REQUEST_TTL_SECONDS = 21600;
export const MAX_INVOCATION_TIMEOUT_SECONDS = 3600;

/**
 * @example parseExtractConfig(process.env) // throws ConfigError naming the first missing or malformed variable
 */
export function parseExtractConfig(env: Environment): ExtractConfig {
  const config: ExtractConfig = {
    endpointName: requiredEnv(env, 'SAGEMAKER_ENDPOINT_NAME', ENDPOINT_NAME, 'a SageMaker endpoint name'),
    dataBucket: requiredEnv(env, 'DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name'),
    maxInputBytes: integerEnv(env, 'MAX_INPUT_BYTES', 50 * 1024 * 1024, 1, 5 * 1024 ** 3),
    requestTtlSeconds: integerEnv(
      env,
      'REQUEST_TTL_SECONDS',
      MAX_REQUEST_TTL_SECONDS,
      60,
      MAX_REQUEST_TTL_SECONDS,
    ),
    invocationTimeoutSeconds: integerEnv(
      env,
      'INVOCATION_TIMEOUT_SECONDS',
      MAX_INVOCATION_TIMEOUT_SECONDS,
      60,
      MAX_INVOCATION_TIMEOUT_SECONDS,
    ),
    limits: parseWebUploadLimits(env),
  };
  if (config.invocationTimeoutSeconds >= config.requestTtlSeconds) {
    throw new ConfigError(
      `INVOCATION_TIMEOUT_SECONDS (${config.invocationTimeoutSeconds}) must be below REQUEST_TTL_SECONDS ` +
        `(${config.requestTtlSeconds})`,
    );
  }
  return config;
}
