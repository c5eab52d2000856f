import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import {
  ADMIN_EMAIL,
  DATA_BUCKET,
  LINK_EXPIRY_SECONDS,
  MAX_UPLOAD_BYTES,
  parseWebUploadLimits,
  parseWebUrl,
  RETENTION_DAYS,
  SOURCE_EMAIL,
  type WebUploadLimits,
} from '@gen3d/jobs';
import { ConfigError, integerEnv, type Environment } from '@gen3d/runtime';

export { ConfigError };

/** The local stack's settings: environment variables with defaults that make `npm start` work as is. */
export interface LocalStackConfig {
  /** Everything the stack keeps between runs (default `.gen3d`): data, outbox, queues, keys. */
  readonly home: string;
  readonly dataDir: string;
  readonly outboxDir: string;
  readonly queuesDir: string;
  readonly runDir: string;
  readonly signingKeyFile: string;
  readonly operatorTokenFile: string;
  readonly apiKeyFile: string;
  /** The HMAC key of the emails' download links: the notify core signs them, the API (/api/downloads) checks them. */
  readonly downloadKeyFile: string;
  readonly bindHost: string;
  /**
   * Set (GEN3D_ALLOW_REMOTE=1) when the person running the stack said that a bind address other than loopback is
   * meant: the stack then serves the web app, its API and upload forms to the network it is on.
   */
  readonly allowRemote: boolean;
  readonly port: number;
  /** 0: a free loopback port each start. */
  readonly sidecarPort: number;
  /** The web UI's address (the API's WEB_URL, CORS); default: the stack's own origin, which serves `webDir`. */
  readonly webUrl: string | undefined;
  /** The built web UI (dist/apps/web), served at `/`. */
  readonly webDir: string;
  readonly dataBucket: string;
  readonly adminEmail: string;
  readonly sourceEmail: string;
  /** The container's MaxConcurrentInvocationsPerInstance (and the embedded worker's slots). */
  readonly concurrency: number;
  readonly linkExpirySeconds: number;
  /** Days uploads and results are kept (RETENTION_DAYS, as in AWS): the sweeper deletes what is older. */
  readonly retentionDays: number;
  /** The largest picture an upload may be (MAX_UPLOAD_BYTES, as in AWS): the forms, the extract core, the sidecar. */
  readonly maxUploadBytes: number;
  /** The web uploads' abuse limits, for the API and the extract core alike. */
  readonly limits: WebUploadLimits;
  /** How long Ctrl-C waits for jobs in flight before it stops the sidecar hard (they are redone on the next start). */
  readonly stopGraceMs: number;
  readonly sidecarMainJs: string;
  readonly workerPython: string;
  /**
   * The learned segmenter's installed model card (`.gen3d/models/isnet-medium/card.json` of the repository, where
   * set-up installs it; GEN3D_SEGMENTATION_MODEL to choose another), or undefined: the weight-free path only (none
   * installed, or GEN3D_SEGMENTER=classic).
   */
  readonly segmentationModel: string | undefined;
  readonly jobTimeoutSeconds: number;
}

const HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|localhost|::1|::|[0-9a-f:.]+)$/i;

/**
 * @example parseLocalStackConfig({}, '/repo').port // 4300
 * @throws ConfigError naming the variable that is wrong.
 */
export function parseLocalStackConfig(env: Environment, repoRoot: string): LocalStackConfig {
  const home = path.resolve(repoRoot, env['GEN3D_HOME'] || '.gen3d');
  const bindHost = env['GEN3D_BIND_HOST'] || '127.0.0.1';
  if (!HOST.test(bindHost))
    throw new ConfigError(`GEN3D_BIND_HOST is not an IP address: ${JSON.stringify(bindHost)}`);
  const allowRemote = env['GEN3D_ALLOW_REMOTE'] === '1';
  if (!isLoopback(bindHost) && !allowRemote) {
    throw new ConfigError(
      `GEN3D_BIND_HOST=${bindHost} would serve the web app, its API and upload forms to the network; ` +
        'set GEN3D_ALLOW_REMOTE=1 as well if that is meant (the operator routes still need the token)',
    );
  }
  // The settings shared with AWS, by their own rules (@gen3d/jobs settings), with the local defaults.
  const local = {
    DATA_BUCKET: 'gen3d-data-bucket',
    ADMIN_EMAIL: 'admin@gen3d.local',
    SOURCE_EMAIL: 'no-reply@gen3d.local',
    ...Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  };
  const webUrl = env['GEN3D_WEB_URL'] ? parseWebUrl(env['GEN3D_WEB_URL']) : undefined;
  return {
    home,
    dataDir: path.resolve(repoRoot, env['GEN3D_DATA_DIR'] || path.join(home, 'data')),
    outboxDir: path.resolve(repoRoot, env['GEN3D_OUTBOX_DIR'] || path.join(home, 'outbox')),
    queuesDir: path.join(home, 'queues'),
    runDir: path.join(home, 'run'),
    signingKeyFile: path.join(home, 'signing.key'),
    operatorTokenFile: path.join(home, 'operator.token'),
    apiKeyFile: path.join(home, 'api.key'),
    downloadKeyFile: path.join(home, 'download.key'),
    bindHost,
    allowRemote,
    port: integerEnv(env, 'GEN3D_STACK_PORT', 4300, 0, 65535),
    sidecarPort: integerEnv(env, 'GEN3D_SIDECAR_PORT', 0, 0, 65535),
    webUrl,
    webDir: path.resolve(repoRoot, env['GEN3D_WEB_DIR'] || 'dist/apps/web'),
    dataBucket: DATA_BUCKET.fromEnv(local),
    adminEmail: ADMIN_EMAIL.fromEnv(local),
    sourceEmail: SOURCE_EMAIL.fromEnv(local),
    concurrency: integerEnv(
      env,
      'MAX_CONCURRENT_INVOCATIONS',
      Math.max(1, Math.min(4, cpus().length)),
      1,
      64,
    ),
    linkExpirySeconds: LINK_EXPIRY_SECONDS.fromEnv(env),
    retentionDays: RETENTION_DAYS.fromEnv(env),
    maxUploadBytes: MAX_UPLOAD_BYTES.fromEnv(env),
    limits: parseWebUploadLimits(env),
    stopGraceMs: integerEnv(env, 'GEN3D_STOP_GRACE_SECONDS', 30, 0, 600) * 1000,
    sidecarMainJs: path.resolve(
      repoRoot,
      env['GEN3D_SIDECAR_MAIN'] || 'dist/apps/local-stack/sidecar-main.js',
    ),
    workerPython: path.resolve(repoRoot, env['WORKER_PYTHON'] || '.venv/bin/python'),
    segmentationModel: segmentationModelOf(env, repoRoot),
    jobTimeoutSeconds: integerEnv(env, 'JOB_TIMEOUT_SECONDS', 600, 1, 3600),
  };
}

/** @example isLoopback('127.0.0.2') // true; isLoopback('0.0.0.0') // false */
export function isLoopback(host: string): boolean {
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host.toLowerCase() === 'localhost'
  );
}

function segmentationModelOf(env: Environment, repoRoot: string): string | undefined {
  if (env['GEN3D_SEGMENTER'] === 'classic') return undefined;
  const given = env['GEN3D_SEGMENTATION_MODEL'];
  if (given) return path.resolve(repoRoot, given);
  const installed = path.join(repoRoot, '.gen3d/models/isnet-medium/card.json');
  return existsSync(installed) ? installed : undefined;
}
