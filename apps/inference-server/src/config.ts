/** How the sidecar is configured: environment variables, parsed once at start-up into a typed value. */
export interface SidecarConfig {
  readonly port: number;
  readonly maxConcurrentInvocations: number;
  readonly workerHost: 'embedded' | 'torchserve';
  readonly dataBucket: string;
  readonly s3Endpoint: string | undefined;
  readonly region: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
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

/**
 * Reads the sidecar's configuration. SageMaker sets SAGEMAKER_BIND_TO_PORT on some containers; 8080 is the contract.
 *
 * @example parseSidecarConfig({ DATA_BUCKET: 'gen3d-data-bucket' }).port // 8080
 */
export function parseSidecarConfig(env: NodeJS.ProcessEnv): SidecarConfig {
  const dataBucket = env['DATA_BUCKET'];
  if (!dataBucket)
    throw new ConfigError('DATA_BUCKET is required (the bucket holding users/{userId}/input/)');
  const workerHost = env['WORKER_HOST'] ?? 'embedded';
  if (workerHost !== 'embedded' && workerHost !== 'torchserve') {
    throw new ConfigError(
      `WORKER_HOST must be "embedded" or "torchserve"; got ${JSON.stringify(workerHost)}`,
    );
  }
  return {
    port: integer(env, 'SAGEMAKER_BIND_TO_PORT', integer(env, 'PORT', 8080, 1, 65535), 1, 65535),
    maxConcurrentInvocations: integer(env, 'MAX_CONCURRENT_INVOCATIONS', 4, 1, 64),
    workerHost,
    dataBucket,
    s3Endpoint: env['S3_ENDPOINT'] || undefined,
    region: env['AWS_REGION'] ?? 'us-east-1',
  };
}
