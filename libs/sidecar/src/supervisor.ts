import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import type { Logger } from '@gen3d/logging';

/** How to start a worker host and where it answers. `{port}` in args is replaced by a free loopback port. */
export interface WorkerSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Fixed port (TorchServe's config) or undefined to pick a free one per start (embedded host). */
  readonly port?: number;
  readonly predictPath: string;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Keeps one worker host process alive: starts it, waits until its /ping answers 200, restarts it with exponential
 * backoff when it dies, and stops it (SIGTERM, then SIGKILL after a grace period) on request.
 * Emits 'ready' and 'exit'. `signal` is aborted when the current worker process exits, so in-flight calls end at once.
 */
export class WorkerSupervisor extends EventEmitter {
  private child: ChildProcess | undefined;
  private port = 0;
  private ready = false;
  private stopping = false;
  private failures = 0;
  private generation = new AbortController();
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly log: Logger,
    private readonly backoff: Backoff = { initialMs: 250, maxMs: 15_000 },
  ) {
    super();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get predictUrl(): string {
    return `http://127.0.0.1:${this.port}${this.spec.predictPath}`;
  }

  /** Aborted when the worker process serving now exits. */
  get signal(): AbortSignal {
    return this.generation.signal;
  }

  async start(): Promise<void> {
    if (this.stopping) return;
    this.port = this.spec.port ?? (await freePort());
    if (this.stopping) return; // stopped while a port was found: no worker to start
    const args = this.spec.args.map((arg) => arg.replace('{port}', String(this.port)));
    const child = spawn(this.spec.command, args, {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true, // its own process group, so stop() reaches the whole host (TorchServe starts Java + Python)
    });
    this.child = child;
    this.generation = new AbortController();
    const generation = this.generation;
    this.log.info({ pid: child.pid, port: this.port, command: this.spec.command }, 'worker starting');
    let gone = false;
    // A worker that exits, or one that cannot even be spawned ('error' without 'exit'), is gone the same way.
    const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (gone) return;
      gone = true;
      this.ready = false;
      // Whatever the launcher left behind (TorchServe's Java frontend, Python workers) goes with it, so that a
      // restarted host can bind its ports.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already gone
        }
      }
      generation.abort(new Error(`worker exited (${signal ?? code})`));
      this.emit('exit', code, signal);
      if (this.stopping) return;
      this.failures += 1;
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
      this.log.error({ pid: child.pid, code, signal, restartInMs: delay }, 'worker died; restarting');
      this.restartTimer = setTimeout(() => void this.start(), delay);
    };
    child.once('error', (error) => {
      this.log.error({ err: error }, 'worker could not be started');
      onGone(child.exitCode, child.signalCode);
    });
    child.once('exit', (code, signal) => onGone(code, signal));
    await this.waitUntilReady(child);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const pingUrl = `http://127.0.0.1:${this.port}/ping`;
    while (
      this.child === child &&
      child.exitCode === null &&
      child.signalCode === null &&
      !this.stopping &&
      !this.generation.signal.aborted
    ) {
      try {
        const response = await fetch(pingUrl, { signal: AbortSignal.timeout(2000) });
        if (response.ok) {
          this.ready = true;
          this.failures = 0;
          this.log.info({ pid: child.pid, port: this.port }, 'worker ready');
          this.emit('ready');
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.ready = false;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The worker host command for a configuration: the embedded Python host locally, TorchServe in the GPU image. */
export function workerSpecFor(config: {
  workerMaxJobs: number;
  workerHost: 'embedded' | 'torchserve';
  workerPython: string;
  torchserveConfig: string;
}): WorkerSpec {
  if (config.workerHost === 'torchserve') {
    return {
      command: 'torchserve',
      args: ['--start', '--foreground', '--ncs', '--ts-config', config.torchserveConfig],
      port: 8081,
      predictPath: '/predictions/gen3d',
    };
  }
  return {
    command: config.workerPython,
    args: [
      '-m',
      'gen3d_worker.hosts.embedded',
      '--port',
      '{port}',
      '--max-jobs',
      String(config.workerMaxJobs),
      '--exit-with-parent',
    ],
    predictPath: '/predictions/gen3d',
  };
}
