import { DATA_BUCKET, MAX_UPLOAD_BYTES } from '@gen3d/jobs';
import { ConfigError, integerEnv, type Environment } from '@gen3d/runtime';

/** How the sidecar is configured: environment variables, parsed once at start-up into a typed value. */
export interface SidecarConfig {
  readonly port: number;
  /** 0.0.0.0 in the container (SageMaker reaches it from outside); loopback by default. */
  readonly bindHost: string;
  readonly maxConcurrentInvocations: number;
  readonly maxQueuedInvocations: number;
  /** Jobs the worker host may run at once (default: the sidecar's own limit, which is what bounds the work). */
  readonly workerMaxJobs: number;
  /** The per-job timeout; a request's own InvocationTimeoutSeconds lowers it (see `jobBudgetMs`). */
  readonly jobTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly maxRequestBytes: number;
  readonly maxUploadBytes: number;
  readonly workerHost: 'embedded' | 'torchserve';
  readonly workerPython: string;
  readonly torchserveConfig: string;
  readonly dataBucket: string;
  readonly s3Endpoint: string | undefined;
  readonly region: string;
  /**
   * Where the learned segmenter's model is (`SEGMENTATION_MODEL_URI`, `s3://gen3d-model-bucket/segmentation/<name>/`):
   * fetched and verified at start into `segmentationModelDir`; without it, the weight-free path.
   */
  readonly segmentationModelUri: string | undefined;
  readonly segmentationModelDir: string;
}

/**
 * Reads the sidecar's configuration. Port 8080 and 4 concurrent invocations are the SageMaker contract and the
 * seed's MaxConcurrentInvocationsPerInstance.
 *
 * @example parseSidecarConfig({ DATA_BUCKET: 'gen3d-data-bucket' }).port // 8080
 */
export function parseSidecarConfig(env: Environment): SidecarConfig {
  const dataBucket = DATA_BUCKET.fromEnv(env);
  const workerHost = env['WORKER_HOST'] ?? 'embedded';
  if (workerHost !== 'embedded' && workerHost !== 'torchserve') {
    throw new ConfigError(
      `WORKER_HOST must be "embedded" or "torchserve"; got ${JSON.stringify(workerHost)}`,
    );
  }
  const maxConcurrentInvocations = integerEnv(env, 'MAX_CONCURRENT_INVOCATIONS', 4, 1, 64);
  return {
    port: integerEnv(env, 'SAGEMAKER_BIND_TO_PORT', integerEnv(env, 'PORT', 8080, 0, 65535), 0, 65535),
    bindHost: env['BIND_HOST'] || '127.0.0.1',
    maxConcurrentInvocations,
    maxQueuedInvocations: integerEnv(env, 'MAX_QUEUED_INVOCATIONS', 16, 0, 1024),
    workerMaxJobs: integerEnv(env, 'WORKER_MAX_JOBS', maxConcurrentInvocations, 1, 64),
    jobTimeoutMs: integerEnv(env, 'JOB_TIMEOUT_SECONDS', 600, 1, 3600) * 1000,
    shutdownGraceMs: integerEnv(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 300) * 1000,
    maxRequestBytes: integerEnv(env, 'MAX_REQUEST_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    maxUploadBytes: MAX_UPLOAD_BYTES.fromEnv(env),
    workerHost,
    workerPython: env['WORKER_PYTHON'] || 'python3',
    torchserveConfig: env['TORCHSERVE_CONFIG'] || '/opt/gen3d/torchserve/config.properties',
    dataBucket,
    s3Endpoint: env['S3_ENDPOINT'] || undefined,
    region: env['AWS_REGION'] || 'us-east-1',
    segmentationModelUri: env['SEGMENTATION_MODEL_URI'] || undefined,
    segmentationModelDir: env['SEGMENTATION_MODEL_DIR'] || '/tmp/gen3d-models',
  };
}

/** What the sidecar keeps of SageMaker's InvocationTimeoutSeconds for itself: writing the failure document, answering. */
export const INVOCATION_MARGIN_MS = 15_000;

/**
 * The time one job may take: the configured per-job timeout, lowered so that it ends before the request's
 * InvocationTimeoutSeconds (when extract set one), so that the container's failure document, not SageMaker's bare
 * timeout, tells the user. Never under one second.
 *
 * @example jobBudgetMs(1_800_000, 3600) // 1_800_000; jobBudgetMs(1_800_000, 600) // 585_000
 */
export function jobBudgetMs(jobTimeoutMs: number, invocationTimeoutSeconds: number | undefined): number {
  if (invocationTimeoutSeconds === undefined) return jobTimeoutMs;
  return Math.max(1000, Math.min(jobTimeoutMs, invocationTimeoutSeconds * 1000 - INVOCATION_MARGIN_MS));
}
