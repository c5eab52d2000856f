import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  EXTRACT_TALLY,
  extractObject,
  jobIdFor,
  NOTIFY_TALLY,
  notifyObject,
  parseExtractConfig,
  parseNotifyConfig,
} from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { bindBucket, FolderObjectStore } from '@gen3d/object-store';
import { createS3BatchHandler, type LambdaContextLike } from '@gen3d/runtime';
import { matchNotificationRule, SAGEMAKER_FAILURE_PREFIX, SAGEMAKER_OUTPUT_PREFIX } from '@gen3d/s3-keys';
import { LocalAsyncEndpoint } from './async-inference';
import { isLoopback, type LocalStackConfig } from './config';
import { DurableQueue } from './durable-queue';
import { EventRouter, type S3Notification } from './event-router';
import { createHttpServer, type MountedApi, type Routes } from './http-server';
import { createOperatorApi } from './operator-api';
import { outboxMailer } from './outbox';
import { readOrCreateSecret } from './secrets';
import { SidecarProcess } from './sidecar-process';

/** The port is taken: said in one line by main, not as a stack trace. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

export interface RunningStack {
  /** The stack's HTTP origin, e.g. http://127.0.0.1:4300 */
  readonly url: string;
  readonly webUrl: string;
  readonly store: FolderObjectStore;
  readonly sidecar: SidecarProcess;
  readonly config: LocalStackConfig;
  /** Stops everything; `force` does not wait for jobs in flight (they are redone on the next start). */
  stop(options?: { force?: boolean }): Promise<void>;
}

/** The seed's function timeouts: the deadline a handler core sees, as in Lambda. */
const EXTRACT_TIMEOUT_MS = 30_000;
const NOTIFY_TIMEOUT_MS = 15_000;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/**
 * The whole pipeline on this machine: the folder store, S3-style events routed by the shared rules to the SAME
 * handler cores the Lambdas run (@gen3d/jobs), SageMaker-style async inference on the SAME sidecar the container
 * runs (a child process driving the embedded worker host), an .eml outbox for SES, and one HTTP origin.
 */
export async function startLocalStack(
  config: LocalStackConfig,
  log: Logger,
  options: {
    api?: (deps: ApiDeps) => Promise<MountedApi | undefined>;
    /** Where the sidecar's log lines go (the stack's pretty printer); its stdout by default. */
    sidecarOutput?: NodeJS.WritableStream;
  } = {},
): Promise<RunningStack> {
  await fs.mkdir(config.home, { recursive: true });
  const replaced = (reason: string) => log.warn(reason);
  const signingKey = await readOrCreateSecret(config.signingKeyFile, replaced);
  const operatorToken = (await readOrCreateSecret(config.operatorTokenFile, replaced)).toString('utf8');

  // The origin first: its port is in the links the store signs.
  const mounted: { routes?: Routes } = {};
  const server = createHttpServer({
    routes: () => mounted.routes,
    webDir: config.webDir,
    operatorToken,
    health: () => health(),
    allowedHosts: () => allowedHosts,
    maxUploadBytes: MAX_UPLOAD_BYTES,
    log: log.child({ component: 'http' }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(
              `port ${config.port} on ${config.bindHost} is in use: stop what runs there or set GEN3D_STACK_PORT`,
            )
          : error,
      ),
    );
    server.listen(config.port, config.bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const linkHost = config.bindHost === '0.0.0.0' || config.bindHost === '::' ? '127.0.0.1' : config.bindHost;
  const url = `http://${linkHost.includes(':') ? `[${linkHost}]` : linkHost}:${port}`;
  const webUrl = config.webUrl ?? `${url}/`;
  const allowedHosts = new Set([
    ...hostsOf(config.bindHost, port),
    ...(config.webUrl ? [new URL(config.webUrl).host.toLowerCase()] : []),
  ]);

  // The data bucket's notification configuration, as in AWS: events only for what NOTIFICATION_RULES name.
  const store = new FolderObjectStore({
    root: config.dataDir,
    signingKey,
    publicBaseUrl: url,
    emitEvents: (bucket, key) => bucket === config.dataBucket && matchNotificationRule(key) !== undefined,
  });
  const data = bindBucket(store, config.dataBucket);
  const clock = () => new Date();
  const env = {
    DATA_BUCKET: config.dataBucket,
    ADMIN_EMAIL: config.adminEmail,
    SOURCE_EMAIL: config.sourceEmail,
    SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
    // Emails of uploads made through the web API link to the web app (operator/CLI uploads keep the direct link).
    WEB_URL: webUrl,
    LINK_EXPIRY_SECONDS: String(config.linkExpirySeconds),
    INVOCATION_TIMEOUT_SECONDS: String(Math.min(3600, config.jobTimeoutSeconds + 60)),
  };
  // Parsed once, as at a Lambda's cold start: a bad setting stops the stack here, naming the variable.
  const extractConfig = parseExtractConfig(env);
  const notifyConfig = parseNotifyConfig(env);
  const mailer = {
    send: outboxMailer({
      dir: config.outboxDir,
      from: config.sourceEmail,
      log: log.child({ component: 'outbox' }),
    }),
  };

  const sidecarPort = config.sidecarPort || (await freePort());
  const sidecar = new SidecarProcess({
    mainJs: config.sidecarMainJs,
    port: sidecarPort,
    pidFile: path.join(config.runDir, 'sidecar.pid'),
    ...(options.sidecarOutput ? { output: options.sidecarOutput } : {}),
    log: log.child({ component: 'sidecar-process' }),
    env: {
      OBJECT_STORE: 'folder',
      GEN3D_DATA_DIR: config.dataDir,
      DATA_BUCKET: config.dataBucket,
      WORKER_HOST: 'embedded',
      WORKER_PYTHON: config.workerPython,
      ...(config.segmentationModel ? { GEN3D_SEGMENTATION_MODEL: config.segmentationModel } : {}),
      MAX_CONCURRENT_INVOCATIONS: String(config.concurrency),
      JOB_TIMEOUT_SECONDS: String(config.jobTimeoutSeconds),
      SHUTDOWN_GRACE_SECONDS: '5',
    },
  });
  const endpoint = new LocalAsyncEndpoint({
    queueDir: path.join(config.queuesDir, 'sagemaker-async'),
    store,
    outputBucket: config.dataBucket,
    outputPrefix: SAGEMAKER_OUTPUT_PREFIX,
    failurePrefix: SAGEMAKER_FAILURE_PREFIX,
    sidecarUrl: () => sidecar.url,
    concurrency: config.concurrency,
    log: log.child({ component: 'sagemaker-async' }),
  });

  const lambda = (functionName: string, timeoutMs: number): LambdaContextLike => {
    const deadline = Date.now() + timeoutMs;
    return {
      awsRequestId: randomUUID(),
      functionName,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
  };
  const extract = createS3BatchHandler({
    logger: log.child({ function: 'extract-lambda' }),
    tally: EXTRACT_TALLY,
    handle: (object, invocation) =>
      extractObject(
        object,
        {
          config: extractConfig,
          data,
          invoker: { invokeAsync: (request) => endpoint.invokeEndpointAsync(request) },
          clock,
        },
        invocation,
      ),
  });
  const notify = createS3BatchHandler({
    logger: log.child({ function: 'notify-lambda' }),
    tally: NOTIFY_TALLY,
    handle: (object, invocation) =>
      notifyObject(object, { config: notifyConfig, data, mailer, clock }, invocation),
  });
  // S3 invokes Lambda asynchronously: retried with backoff when the handler throws, kept on disk meanwhile. What
  // was given up (dead/) is sent again on the next start, the operator's redrive: the cores are idempotent (locks).
  const queue = (name: 'extract' | 'notify', run: (event: S3Notification) => Promise<unknown>) =>
    new DurableQueue<S3Notification>({
      dir: path.join(config.queuesDir, name),
      name,
      concurrency: 4,
      maxAttempts: 8,
      backoff: { initialMs: 250, maxMs: 30_000 },
      handle: async (event) => void (await run(event)),
      log: log.child({ component: `${name}-queue` }),
      pollMs: 250,
      redriveDeadOnStart: true,
    });
  const queues = {
    extract: queue('extract', (event) => extract(event, lambda('Gen3DExtractLambda', EXTRACT_TIMEOUT_MS))),
    notify: queue('notify', (event) => notify(event, lambda('Gen3DNotifyLambda', NOTIFY_TIMEOUT_MS))),
  };
  const router = new EventRouter({
    eventsDir: store.eventsDir,
    queues,
    log: log.child({ component: 'events' }),
  });

  mounted.routes = {
    store,
    operator: createOperatorApi({
      data,
      store,
      maxUploadBytes: MAX_UPLOAD_BYTES,
      linkExpirySeconds: config.linkExpirySeconds,
      jobIdOf: (upload) => jobIdFor(upload),
    }),
    api: await options.api?.({ store, config, mailer, url, webUrl, log: log.child({ function: 'api' }) }),
    webOrigin: new URL(webUrl).origin,
  };
  const health = () => ({
    status: 'ok',
    url,
    webUrl,
    dataDir: config.dataDir,
    outboxDir: config.outboxDir,
    sidecar: { url: sidecar.url, pid: sidecar.pid },
    inFlight: endpoint.active,
  });

  await sidecar.start();
  await Promise.all([queues.extract.start(), queues.notify.start(), endpoint.start()]);
  await router.start();
  try {
    await sidecar.waitUntilReady(120_000);
  } catch (error) {
    await sidecar.stop({ graceful: false, timeoutMs: 1000 });
    server.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  // A second Ctrl-C during a graceful stop cuts the waiting short (jobs in flight are redone on the next start).
  const now = new AbortController();
  const orNow = <T>(waiting: Promise<T>, otherwise: T) =>
    Promise.race([
      waiting,
      new Promise<T>((resolve) =>
        now.signal.addEventListener('abort', () => resolve(otherwise), { once: true }),
      ),
    ]);
  return {
    url,
    webUrl,
    store,
    sidecar,
    config,
    stop: (stopOptions = {}) => {
      if (stopOptions.force) now.abort();
      return (stopping ??= (async () => {
        server.close();
        server.closeAllConnections();
        // No new jobs; the ones in flight finish, and their emails go out before the stack stops (what is left on
        // disk — queued jobs, a job cut short by a second Ctrl-C — is delivered on the next start).
        await orNow(queues.extract.stop(5000), false);
        const finished = await orNow(endpoint.stop(now.signal.aborted ? 0 : config.stopGraceMs), false);
        if (finished && !now.signal.aborted) {
          await orNow(router.drain(2000), undefined);
          await orNow(queues.notify.drain(5000), undefined);
        }
        await router.stop();
        await orNow(queues.notify.stop(5000), false);
        await sidecar.stop({ graceful: finished && !now.signal.aborted, timeoutMs: 8000 });
      })());
    },
  };
}

/** What the web API (libs/api) gets from the local stack. */
export interface ApiDeps {
  readonly store: FolderObjectStore;
  readonly config: LocalStackConfig;
  readonly mailer: {
    send(mail: { to: string; subject: string; text: string; html: string }): Promise<string>;
  };
  readonly url: string;
  /** Where the web app is (the API's WEB_URL: its email links point there). */
  readonly webUrl: string;
  readonly log: Logger;
}

/** The Host values the stack answers to: its address and, on loopback, the names of loopback. */
function hostsOf(bindHost: string, port: number): ReadonlySet<string> {
  const names = [bindHost.includes(':') ? `[${bindHost}]` : bindHost];
  if (isLoopback(bindHost) || bindHost === '0.0.0.0' || bindHost === '::') {
    names.push('127.0.0.1', 'localhost', '[::1]');
  }
  return new Set(names.map((name) => `${name.toLowerCase()}:${port}`));
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
