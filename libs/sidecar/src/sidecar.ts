import type { Server } from 'node:http';
import type { Logger } from '@gen3d/logging';
import type { BucketStore, ObjectStore } from '@gen3d/object-store';
import type { SidecarConfig } from './config';
import { Limiter } from './limiter';
import { fetchSegmentationModel } from './segmentation-model';
import { createSidecarServer } from './server';
import { WorkerSupervisor, workerSpecFor } from './supervisor';
import { callWorker } from './worker-client';

export interface SidecarParts {
  readonly config: SidecarConfig;
  /** Where the pictures are read and the meshes written: S3 in the container, the data folder locally. */
  readonly data: BucketStore;
  /** Where the learned segmenter's model is fetched from (the model bucket), when the config names one. */
  readonly modelStore?: () => ObjectStore;
  readonly logger: Logger;
}

export interface RunningSidecar {
  readonly server: Server;
  /** Stops taking requests, lets the jobs in flight finish (within the grace time), then stops the worker. */
  stop(why: string): Promise<void>;
}

/**
 * The sidecar, composed: the worker host under its supervisor, the limiter and the HTTP contract, on the object
 * store it is given. The entry points (the container's, the local stack's) choose the store and handle signals.
 *
 * @example const sidecar = await startSidecar({ config, data, logger }); process.once('SIGTERM', () => void sidecar.stop('SIGTERM'))
 */
export async function startSidecar(parts: SidecarParts): Promise<RunningSidecar> {
  const { config, logger } = parts;
  // The learned segmenter's model, from the model bucket (decision 0026): fetched and verified before the worker
  // starts, which then loads it once; without one the worker runs the weight-free path.
  const modelCard =
    config.segmentationModelUri && parts.modelStore
      ? await fetchSegmentationModel(
          parts.modelStore(),
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
  const limiter = new Limiter(config.maxConcurrentInvocations, config.maxQueuedInvocations);
  const shutdown = new AbortController();
  let stopping: Promise<void> | undefined;

  const server = createSidecarServer({
    limiter,
    isReady: () => supervisor.isReady && stopping === undefined,
    maxRequestBytes: config.maxRequestBytes,
    log: logger,
    jobDeps: (log) => ({
      data: parts.data,
      maxUploadBytes: config.maxUploadBytes,
      timeoutMs: config.jobTimeoutMs,
      shutdown: shutdown.signal,
      now: () => new Date(),
      log,
      callWorker: (job, signal) =>
        callWorker(supervisor.predictUrl, job, AbortSignal.any([signal, supervisor.signal])),
    }),
  });
  const stop = (why: string) =>
    (stopping ??= (async () => {
      logger.info({ active: limiter.active, queued: limiter.queued }, `${why}: finishing in-flight jobs`);
      server.close();
      const deadline = setTimeout(() => shutdown.abort(), config.shutdownGraceMs);
      await limiter.idle();
      clearTimeout(deadline);
      await supervisor.stop(3000);
      logger.info('stopped');
    })());

  await new Promise<void>((resolve) =>
    server.listen(config.port, config.bindHost, () => {
      const address = server.address();
      logger.info({ port: typeof address === 'object' && address ? address.port : config.port }, 'listening');
      resolve();
    }),
  );
  // Not awaited: /ping answers 503 until the worker is ready, and a stop during start-up works.
  void supervisor.start();
  return { server, stop };
}
