import { ConfigError, integerEnv, type Environment } from '@gen3d/events';

export { ConfigError };

/** How the sidecar is configured: environment variables, parsed once at start-up into a typed value. */
export interface SidecarConfig {
  readonly port: number;
  /** 0.0.0.0 in the container (SageMaker reaches it from outside); loopback by default. */
  readonly bindHost: string;
  readonly maxConcurrentInvocations: number;
  readonly maxQueuedInvocations: number;
  readonly jobTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly maxRequestBytes: number;
  readonly maxInputBytes: number;
  readonly workerHost: 'embedded' | 'torchserve';
  readonly workerPython: string;
  readonly torchserveConfig: string;
  readonly dataBucket: string;
  readonly s3Endpoint: string | undefined;
  readonly region: string;
}

/**
 * Reads the sidecar's configuration. Port 8080 and 4 concurrent invocations are the SageMaker contract and the
 * seed's MaxConcurrentInvocationsPerInstance.
 *
 * @example parseSidecarConfig({ DATA_BUCKET: 'gen3d-data-bucket' }).port // 8080
 */
export function parseSidecarConfig(env: Environment): SidecarConfig {
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
    port: integerEnv(env, 'SAGEMAKER_BIND_TO_PORT', integerEnv(env, 'PORT', 8080, 0, 65535), 0, 65535),
    bindHost: env['BIND_HOST'] || '127.0.0.1',
    maxConcurrentInvocations: integerEnv(env, 'MAX_CONCURRENT_INVOCATIONS', 4, 1, 64),
    maxQueuedInvocations: integerEnv(env, 'MAX_QUEUED_INVOCATIONS', 16, 0, 1024),
    jobTimeoutMs: integerEnv(env, 'JOB_TIMEOUT_SECONDS', 600, 1, 3600) * 1000,
    shutdownGraceMs: integerEnv(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 300) * 1000,
    maxRequestBytes: integerEnv(env, 'MAX_REQUEST_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    maxInputBytes: integerEnv(env, 'GEN3D_MAX_BYTES', 50 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    workerHost,
    workerPython: env['WORKER_PYTHON'] || 'python3',
    torchserveConfig: env['TORCHSERVE_CONFIG'] || '/opt/gen3d/torchserve/config.properties',
    dataBucket,
    s3Endpoint: env['S3_ENDPOINT'] || undefined,
    region: env['AWS_REGION'] || 'us-east-1',
  };
}
