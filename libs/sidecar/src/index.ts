export { INVOCATION_MARGIN_MS, jobBudgetMs, parseSidecarConfig, type SidecarConfig } from './config';
export { JobFailure, QueueFullError, RequestTooLargeError, SidecarError } from './errors';
export { failJob, runJob, type JobDeps, type JobOutcome } from './job';
export { Limiter } from './limiter';
export { fetchSegmentationModel, parseModelUri } from './segmentation-model';
export { createSidecarServer, type SidecarDeps } from './server';
export { startSidecar, type RunningSidecar, type SidecarParts } from './sidecar';
export { freePort, WorkerSupervisor, workerSpecFor, type Backoff, type WorkerSpec } from './supervisor';
export {
  callWorker,
  TIMEOUT_HEADER,
  type WorkerFile,
  type WorkerJob,
  type WorkerOutcome,
} from './worker-client';
