import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  createDownloadLinks,
  createDownloadLinkSigner,
  extractConfigOf,
  jobIdFor,
  MAX_INVOCATION_TIMEOUT_SECONDS,
  MAX_REQUEST_TTL_SECONDS,
  notifyConfigOf,
  parseWebUrl,
  type DownloadLinkSigner,
} from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { bindBucket, FolderObjectStore } from '@gen3d/object-store';
import { matchNotificationRule, SAGEMAKER_FAILURE_PREFIX, SAGEMAKER_OUTPUT_PREFIX } from '@gen3d/s3-keys';
import { freePort } from '@gen3d/sidecar';
import { LocalAsyncEndpoint } from './async-inference';
import { isLoopback, type LocalStackConfig } from './config';
import { createEventPipeline, type EventPipeline } from './event-pipeline';
import { createHttpServer, type MountedApi, type Routes } from './http-server';
import { createOperatorApi } from './operator-api';
import { outboxMailer } from './outbox';
import { readOrCreateSecret } from './secrets';
import { SidecarProcess } from './sidecar-process';
import { Sweeper } from './sweeper';

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

/**
 * The whole pipeline on this machine: the folder store, S3-style events routed by the shared rules to the SAME
 * handler cores the Lambdas run (@gen3d/jobs), SageMaker-style async inference on the sidecar library the container
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
  const downloads = createDownloadLinkSigner(await readOrCreateSecret(config.downloadKeyFile, replaced));

  // The origin first: its port is in the links the store signs.
  const mounted: { routes?: Routes } = {};
  const origin = await openOrigin(config, log, {
    routes: () => mounted.routes,
    operatorToken,
    health: () => health(),
  });
  const { server, url, webUrl } = origin;

  // The data bucket's notification configuration, as in AWS: events only for what NOTIFICATION_RULES name.
  const store = new FolderObjectStore({
    root: config.dataDir,
    signingKey,
    publicBaseUrl: url,
    emitEvents: (bucket, key) => bucket === config.dataBucket && matchNotificationRule(key) !== undefined,
  });
  const data = bindBucket(store, config.dataBucket);
  const mailer = {
    send: outboxMailer({
      dir: config.outboxDir,
      from: config.sourceEmail,
      log: log.child({ component: 'outbox' }),
    }),
  };
  const sidecar = await sidecarOf(config, log, options.sidecarOutput);
  const endpoint = endpointOf(config, store, sidecar, log);
  const { queues, router } = createEventPipeline({
    data,
    eventsDir: store.eventsDir,
    queuesDir: config.queuesDir,
    ...coreConfigsOf(config, webUrl),
    endpoint,
    mailer,
    // With the web API mounted, the emails link through its /downloads route, as in AWS.
    ...(options.api ? { links: createDownloadLinks(downloads, `${url}/api`) } : {}),
    log,
  });

  mounted.routes = {
    store,
    operator: createOperatorApi({
      data,
      store,
      maxUploadBytes: config.maxUploadBytes,
      linkExpirySeconds: config.linkExpirySeconds,
      jobIdOf: (upload) => jobIdFor(upload),
      retentionDays: config.retentionDays,
      queuesDir: config.queuesDir,
    }),
    api: await options.api?.({
      store,
      config,
      mailer,
      url,
      webUrl,
      downloads,
      log: log.child({ function: 'api' }),
    }),
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

  const sweeper = await startRunning({ config, data, server, queues, router, endpoint, sidecar }, log);
  const stop = stopperOf({ config, server, queues, router, endpoint, sidecar, sweeper });
  return { url, webUrl, store, sidecar, config, stop };
}

/** What runs once the stack has started, and is stopped by its `stop`. */
interface StackParts {
  readonly config: LocalStackConfig;
  readonly server: ReturnType<typeof createHttpServer>;
  readonly queues: EventPipeline['queues'];
  readonly router: EventPipeline['router'];
  readonly endpoint: LocalAsyncEndpoint;
  readonly sidecar: SidecarProcess;
  readonly sweeper: Sweeper;
}

/** SageMaker's async endpoint, locally: a durable queue of requests sent to the sidecar, results to the data bucket. */
function endpointOf(
  config: LocalStackConfig,
  store: FolderObjectStore,
  sidecar: SidecarProcess,
  log: Logger,
): LocalAsyncEndpoint {
  return new LocalAsyncEndpoint({
    queueDir: path.join(config.queuesDir, 'sagemaker-async'),
    store,
    outputBucket: config.dataBucket,
    outputPrefix: SAGEMAKER_OUTPUT_PREFIX,
    failurePrefix: SAGEMAKER_FAILURE_PREFIX,
    sidecarUrl: () => sidecar.url,
    concurrency: config.concurrency,
    log: log.child({ component: 'sagemaker-async' }),
  });
}

/**
 * Starts what runs: the sidecar, the queues, the event router and the retention sweeper (as the bucket's lifecycle
 * rules in AWS: at start, then every hour), then waits for the worker; stops what it started if the worker never
 * gets ready.
 */
async function startRunning(
  parts: Omit<StackParts, 'sweeper'> & { readonly data: ReturnType<typeof bindBucket> },
  log: Logger,
): Promise<Sweeper> {
  const { config, data, server, queues, router, endpoint, sidecar } = parts;
  await sidecar.start();
  await Promise.all([queues.extract.start(), queues.notify.start(), endpoint.start()]);
  await router.start();
  const sweeper = new Sweeper({
    data,
    retentionDays: config.retentionDays,
    clock: () => new Date(),
    log: log.child({ component: 'sweeper' }),
  });
  sweeper.start();
  try {
    await sidecar.waitUntilReady(120_000);
  } catch (error) {
    await sweeper.stop();
    await sidecar.stop({ graceful: false, timeoutMs: 1000 });
    server.close();
    throw error;
  }
  return sweeper;
}

/** The stack's one HTTP origin, listening: its URL (in every signed link) and the web app's. */
async function openOrigin(
  config: LocalStackConfig,
  log: Logger,
  handlers: Pick<Parameters<typeof createHttpServer>[0], 'routes' | 'operatorToken' | 'health'>,
): Promise<{ server: ReturnType<typeof createHttpServer>; url: string; webUrl: string }> {
  let allowedHosts: ReadonlySet<string> = new Set();
  const server = createHttpServer({
    ...handlers,
    webDir: config.webDir,
    allowedHosts: () => allowedHosts,
    maxUploadBytes: config.maxUploadBytes,
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
  allowedHosts = new Set([
    ...hostsOf(config.bindHost, port),
    ...(config.webUrl ? [new URL(config.webUrl).host.toLowerCase()] : []),
  ]);
  return { server, url, webUrl: config.webUrl ?? parseWebUrl(`${url}/`) };
}

/** The extract and notify cores' settings, typed, checked once as at a Lambda's cold start (a bad one is named). */
export function coreConfigsOf(config: LocalStackConfig, webUrl: string) {
  return {
    extractConfig: extractConfigOf({
      endpointName: 'Gen3DSAMAsyncEndpoint',
      dataBucket: config.dataBucket,
      maxUploadBytes: config.maxUploadBytes,
      requestTtlSeconds: MAX_REQUEST_TTL_SECONDS,
      invocationTimeoutSeconds: Math.min(MAX_INVOCATION_TIMEOUT_SECONDS, config.jobTimeoutSeconds + 60),
      limits: config.limits,
    }),
    notifyConfig: notifyConfigOf({
      dataBucket: config.dataBucket,
      adminEmail: config.adminEmail,
      sourceEmail: config.sourceEmail,
      linkExpirySeconds: config.linkExpirySeconds,
      // Emails of uploads made through the web API link to the web app (operator/CLI uploads keep the direct link).
      webUrl,
      // The email's "kept until": what the sweeper keeps.
      retentionDays: config.retentionDays,
    }),
  };
}

/** The sidecar library on the data folder, as a child process (dist/apps/local-stack/sidecar-main.js). */
async function sidecarOf(
  config: LocalStackConfig,
  log: Logger,
  output: NodeJS.WritableStream | undefined,
): Promise<SidecarProcess> {
  return new SidecarProcess({
    mainJs: config.sidecarMainJs,
    port: config.sidecarPort || (await freePort()),
    pidFile: path.join(config.runDir, 'sidecar.pid'),
    ...(output ? { output } : {}),
    log: log.child({ component: 'sidecar-process' }),
    env: {
      GEN3D_DATA_DIR: config.dataDir,
      DATA_BUCKET: config.dataBucket,
      WORKER_HOST: 'embedded',
      WORKER_PYTHON: config.workerPython,
      ...(config.segmentationModel ? { GEN3D_SEGMENTATION_MODEL: config.segmentationModel } : {}),
      MAX_CONCURRENT_INVOCATIONS: String(config.concurrency),
      MAX_UPLOAD_BYTES: String(config.maxUploadBytes),
      JOB_TIMEOUT_SECONDS: String(config.jobTimeoutSeconds),
      SHUTDOWN_GRACE_SECONDS: '5',
    },
  });
}

/**
 * How the stack stops: no new jobs; the ones in flight finish, and their emails go out before the stack stops
 * (what is left on disk — queued jobs, a job cut short by a second Ctrl-C — is delivered on the next start).
 * `force` (a second Ctrl-C) cuts the waiting short.
 */
function stopperOf(parts: StackParts): RunningStack['stop'] {
  const { server, queues, router, endpoint, sidecar, sweeper } = parts;
  let stopping: Promise<void> | undefined;
  const now = new AbortController();
  const orNow = <T>(waiting: Promise<T>, otherwise: T) =>
    Promise.race([
      waiting,
      new Promise<T>((resolve) =>
        now.signal.addEventListener('abort', () => resolve(otherwise), { once: true }),
      ),
    ]);
  return (stopOptions = {}) => {
    if (stopOptions.force) now.abort();
    return (stopping ??= (async () => {
      server.close();
      server.closeAllConnections();
      await orNow(sweeper.stop(), undefined);
      await orNow(queues.extract.stop(5000), false);
      const finished = await orNow(endpoint.stop(now.signal.aborted ? 0 : parts.config.stopGraceMs), false);
      if (finished && !now.signal.aborted) {
        await orNow(router.drain(2000), undefined);
        await orNow(queues.notify.drain(5000), undefined);
      }
      await router.stop();
      await orNow(queues.notify.stop(5000), false);
      await sidecar.stop({ graceful: finished && !now.signal.aborted, timeoutMs: 8000 });
    })());
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
  /** Checks the emails' download links (the key the notify core signs them with). */
  readonly downloads: DownloadLinkSigner;
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
