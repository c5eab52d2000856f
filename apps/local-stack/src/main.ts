import { createLogger, type Logger } from '@gen3d/logging';
import pinoPretty from 'pino-pretty';
import { ConfigError, parseLocalStackConfig, type LocalStackConfig } from './config';
import { mountWebApi } from './web-api';
import { PortInUseError, startLocalStack, type RunningStack } from './stack';

/**
 * `node dist/apps/local-stack/main.js` (what `npm start` runs): the pipeline on this machine until Ctrl-C.
 * The first Ctrl-C lets jobs in flight finish (GEN3D_STOP_GRACE_SECONDS), a second one stops at once; either way
 * the sidecar and its worker host stop with the stack, and what was not finished is redone on the next start.
 */
async function main(): Promise<void> {
  const pretty = prettyOutput(process.env['GEN3D_LOG_FORMAT']);
  const log = createLogger({ service: 'local-stack', ...(pretty ? { destination: pretty } : {}) });
  let config: LocalStackConfig;
  try {
    config = parseLocalStackConfig(process.env, process.cwd());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return exitWith(2, error.message);
  }
  let stack: RunningStack;
  try {
    stack = await startLocalStack(config, log, {
      api: mountWebApi,
      ...(pretty ? { sidecarOutput: pretty } : {}),
    });
  } catch (error) {
    if (error instanceof PortInUseError) return exitWith(3, error.message);
    if (error instanceof ConfigError) return exitWith(2, error.message);
    log.fatal({ err: error }, 'the local stack could not start');
    process.exit(1);
  }
  if (config.allowRemote) {
    log.warn(
      `GEN3D_ALLOW_REMOTE=1: the web app, its API and upload forms are served on ${config.bindHost} to the network this machine is on`,
    );
  }
  log.info(
    { url: stack.url, web: stack.webUrl, dataDir: config.dataDir, outboxDir: config.outboxDir },
    `ready: web UI ${stack.webUrl}, data in ${config.dataDir}, mail in ${config.outboxDir}`,
  );
  if (pretty) process.stdout.write(welcome(stack, config));
  const onSignal = stopOnSignal(stack, log);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Readable lines on a terminal (or GEN3D_LOG_FORMAT=pretty), JSON lines otherwise; the sidecar's lines too. */
function prettyOutput(format = process.stdout.isTTY ? 'pretty' : 'json'): NodeJS.WritableStream | undefined {
  if (format !== 'pretty') return undefined;
  return pinoPretty({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,function,component,jobId,requestId,functionName,functionVersion,coldStart',
    messageFormat:
      '{service}{if function}/{function}{end}{if component}/{component}{end} {if jobId}[job {jobId}] {end}{msg}',
    singleLine: true,
  });
}

function exitWith(code: number, message: string): never {
  process.stderr.write(`gen3d local stack: ${message}\n`);
  process.exit(code);
}

function welcome(stack: RunningStack, config: LocalStackConfig): string {
  return [
    '',
    '  Gen3D runs on this machine (Ctrl-C stops it; data and mail stay for the next start)',
    `    web UI       ${stack.webUrl}`,
    `    API          ${stack.url}/api   (CLI routes: ${stack.url}/local)`,
    `    data folder  ${config.dataDir}`,
    `    outbox       ${config.outboxDir}   (one .eml per email)`,
    '    try          npm run gen3d -- submit picture.png --email you@example.com --wait',
    '',
    '',
  ].join('\n');
}

/**
 * The first signal stops gracefully, a later one at once. npm forwards the terminal's Ctrl-C to the script, so one
 * keypress can arrive twice: a second one counts only a second later. One handler serves both signals.
 */
function stopOnSignal(stack: RunningStack, log: Logger): (signal: NodeJS.Signals) => void {
  let firstSignalAt = 0;
  return (signal) => {
    const now = Date.now();
    if (firstSignalAt !== 0 && now - firstSignalAt < 1000) return;
    const force = firstSignalAt !== 0;
    firstSignalAt = firstSignalAt || now;
    log.info(
      { signal, force },
      force ? 'stopping now' : 'stopping: letting jobs in flight finish (Ctrl-C again to stop now)',
    );
    void stack
      .stop({ force })
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'stopping failed');
        process.exit(1);
      });
  };
}

void main();
