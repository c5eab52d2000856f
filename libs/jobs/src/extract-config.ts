import {
  checkSettings,
  ConfigError,
  integerSetting,
  readSettings,
  textSetting,
  type Environment,
  type ValuesOf,
} from '@gen3d/runtime';
import { parseWebUploadLimits, webUploadLimitsOf, type WebUploadLimits } from './limits';
import { DATA_BUCKET, MAX_UPLOAD_BYTES } from './settings';

/** SageMaker's own ceilings for InvokeEndpointAsync. */
export const MAX_REQUEST_TTL_SECONDS = 21600;
export const MAX_INVOCATION_TIMEOUT_SECONDS = 3600;

const EXTRACT_SETTINGS = {
  endpointName: textSetting(
    'SAGEMAKER_ENDPOINT_NAME',
    /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
    'a SageMaker endpoint name',
  ),
  dataBucket: DATA_BUCKET,
  maxUploadBytes: MAX_UPLOAD_BYTES,
  /** How long a request may wait in SageMaker's queue (`RequestTTLSeconds`). */
  requestTtlSeconds: integerSetting(
    'REQUEST_TTL_SECONDS',
    MAX_REQUEST_TTL_SECONDS,
    60,
    MAX_REQUEST_TTL_SECONDS,
  ),
  /**
   * How long the container may work on one request (`InvocationTimeoutSeconds`, set explicitly). The container's
   * own per-job timeout stays below it (the sidecar reads it from the request), and it stays below the TTL.
   */
  invocationTimeoutSeconds: integerSetting(
    'INVOCATION_TIMEOUT_SECONDS',
    MAX_INVOCATION_TIMEOUT_SECONDS,
    60,
    MAX_INVOCATION_TIMEOUT_SECONDS,
  ),
};

/** The extract core's settings: the seed's environment variables, checked once at cold start. */
export type ExtractConfig = Readonly<
  ValuesOf<typeof EXTRACT_SETTINGS> & {
    /** The web API's limits, counted again on acceptance (the same variables as the API's). */
    limits: WebUploadLimits;
  }
>;

/** @example parseExtractConfig(process.env) // throws ConfigError naming the first missing or malformed variable */
export function parseExtractConfig(env: Environment): ExtractConfig {
  return checked({ ...readSettings(env, EXTRACT_SETTINGS), limits: parseWebUploadLimits(env) });
}

/** The same settings given typed (the local stack composes the core in its own process). */
export function extractConfigOf(values: ExtractConfig): ExtractConfig {
  const { limits, ...rest } = values;
  return checked({ ...checkSettings(rest, EXTRACT_SETTINGS), limits: webUploadLimitsOf(limits) });
}

function checked(config: ExtractConfig): ExtractConfig {
  if (config.invocationTimeoutSeconds >= config.requestTtlSeconds) {
    throw new ConfigError(
      `INVOCATION_TIMEOUT_SECONDS (${config.invocationTimeoutSeconds}) must be below REQUEST_TTL_SECONDS ` +
        `(${config.requestTtlSeconds})`,
    );
  }
  return config;
}
