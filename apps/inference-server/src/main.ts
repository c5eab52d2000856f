import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, FolderObjectStore, S3ObjectStore } from '@gen3d/object-store';
import { ConfigError } from '@gen3d/runtime';
import { matchNotificationRule } from '@gen3d/s3-keys';
import { parseSidecarConfig } from './config';
import { Limiter } from './limiter';
import { fetchSegmentationModel } from './segmentation-model';
import { createSidecarServer } from './server';
import { WorkerSupervisor, workerSpecFor } from './supervisor';
import { callWorker } from './worker-client';

// The SageMaker container entrypoint: `docker run IMAGE serve` (SageMaker passes "serve").
async function main(): Promise<void> {
  const logger = createLogger({ service: 'inference-server' });
  const mode = process.argv[2] ?? 'serve';
  if (mode !== 'serve') {
    logger.fatal({ mode }, 'unknown mode: the container only supports "serve"');
    process.exit(2);
  }
  let config;
  try {
    config = parseSidecarConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ reason: error.message }, 'invalid configuration');
    process.exit(2);
  }
  // The learned segmenter's model, from the model bucket (decision 0026): fetched and verified before the worker
  // starts, which then loads it once; without one the worker runs the weight-free path.
  const modelCard = config.segmentationModelUri
    ? await fetchSegmentationModel(
        new S3ObjectStore(createS3Client({ region: config.region, endpoint: config.s3Endpoint })),
        config.segmentationModelUri,
        config.segmentationModelDir,
        logger.child({ component: 'segmentation-model' }),
      )
    : undefined;
  const spec = workerSpecFor(config);
  const supervisor = new WorkerSupervisor(
    modelCard ? { ...spec, env: { ...spec.env, GEN3D_SEGMENTATION_MODEL: modelCard } } : spec,
    logger.child({ component: 'supervisor' }),
  );
  // The local stack runs this same sidecar on its data folder (OBJECT_STORE=folder); the container uses S3.
  const data = bindBucket(
    config.objectStore === 'folder'
      ? new FolderObjectStore({
          root: config.dataDir as string,
          // Events only for what the data bucket's notification rules name, as S3 sends them.
          emitEvents: (_bucket, key) => matchNotificationRule(key) !== undefined,
        })
      : new S3ObjectStore(createS3Client({ region: config.region, endpoint: config.s3Endpoint })),
    config.dataBucket,
  );
  const limiter = new Limiter(config.maxConcurrentInvocations, config.maxQueuedInvocations);
  const shutdown = new AbortController();
  let stopping = false;

  const server = createSidecarServer({
    limiter,
    isReady: () => supervisor.isReady && !stopping,
    maxRequestBytes: config.maxRequestBytes,
    log: logger,
    jobDeps: (log) => ({
      data,
      maxInputBytes: config.maxInputBytes,
      timeoutMs: config.jobTimeoutMs,
      shutdown: shutdown.signal,
      now: () => new Date(),
      log,
      callWorker: (job, signal) =>
        callWorker(supervisor.predictUrl, job, AbortSignal.any([signal, supervisor.signal])),
    }),
  });

  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ active: limiter.active, queued: limiter.queued }, `${why}: finishing in-flight jobs`);
    server.close();
    const deadline = setTimeout(() => shutdown.abort(), config.shutdownGraceMs);
    void limiter
      .idle()
      .then(() => clearTimeout(deadline))
      .then(() => supervisor.stop(3000))
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  // Started by the local stack with an IPC channel: when the stack dies (even by SIGKILL), the channel closes and
  // the sidecar stops as on SIGTERM. The container is started without one.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => stop('the local stack is gone'));
  }

  server.listen(config.port, config.bindHost, () => {
    const address = server.address();
    logger.info({ port: typeof address === 'object' && address ? address.port : config.port }, 'listening');
  });
  await supervisor.start();
}

void main();
