import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@gen3d/logging';

export interface SidecarProcessOptions {
  /** The built sidecar, dist/apps/local-stack/sidecar-main.js: the container's sidecar library on the data folder. */
  readonly mainJs: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** Where the pid is recorded, so that a stack killed with SIGKILL does not leave its sidecar running. */
  readonly pidFile: string;
  readonly log: Logger;
  /** Where its stdout (JSON log lines) goes; the stack's own stdout by default. */
  readonly output?: NodeJS.WritableStream;
}

/**
 * The inference container's sidecar as a child process, in its own process group (Ctrl-C in the terminal reaches
 * the stack, which decides how the sidecar stops). Its JSON log lines go to the stack's stdout.
 */
export class SidecarProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: SidecarProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    await killLeftover(this.options.pidFile, path.basename(this.options.mainJs), this.options.log);
    await fs.access(this.options.mainJs).catch(() => {
      throw new Error(
        `the sidecar is not built: ${this.options.mainJs} is missing (run: npx nx build local-stack)`,
      );
    });
    const child = spawn(process.execPath, [this.options.mainJs, 'serve'], {
      env: { ...process.env, ...this.options.env, PORT: String(this.options.port), BIND_HOST: '127.0.0.1' },
      // The IPC channel is the sidecar's lifeline: when this process dies, however, the channel closes and the
      // sidecar stops by itself (sidecar-main.ts), so no orphan keeps the port and the worker.
      stdio: ['ignore', this.options.output ? 'pipe' : 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    child.channel?.unref();
    if (this.options.output) child.stdout?.pipe(this.options.output, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      void fs.rm(this.options.pidFile, { force: true });
      this.options.log.info({ pid: child.pid, code, signal }, 'sidecar stopped');
    });
    await fs.mkdir(path.dirname(this.options.pidFile), { recursive: true });
    await fs.writeFile(this.options.pidFile, String(child.pid));
    this.options.log.info({ pid: child.pid, url: this.url }, 'sidecar starting');
  }

  /** Waits until `/ping` answers 200 (the worker host is up), or the process exits. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error('the sidecar exited during start-up (see the lines above)');
      }
      try {
        const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the sidecar was not ready within ${timeoutMs / 1000} s`);
  }

  /**
   * SIGTERM when nothing is in flight (the sidecar stops its worker host and exits), SIGKILL to its group when jobs
   * are still running: they are redelivered on the next start, and no failure document is written for them.
   */
  async stop(options: { graceful: boolean; timeoutMs: number }): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid;
    signalGroup(pid, options.graceful ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** For tests of the failure path: the worker host the sidecar supervises (killed to simulate a crash). */
  workerPids(): number[] {
    const pid = this.child?.pid;
    return pid ? childrenOf(pid) : [];
  }
}

/** A process that exited but was not reaped yet (a zombie: its parent died too) counts as gone. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** A sidecar left by a stack that was killed outright (SIGKILL, a crash): stopped before a new one starts. */
async function killLeftover(pidFile: string, mainFile: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (Number.isInteger(pid) && pid > 0 && cmdline.includes(mainFile)) {
    log.warn({ pid }, 'stopping the sidecar a previous run left behind');
    signalGroup(pid, 'SIGKILL');
    for (let i = 0; i < 50 && (await isRunning(pid)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await fs.rm(pidFile, { force: true });
}

/** The ids of a process's children (Linux /proc; empty elsewhere or when it is gone). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
