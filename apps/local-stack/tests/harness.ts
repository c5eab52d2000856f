import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';
import { childrenOf } from '../src/sidecar-process';

export const ROOT = path.resolve(__dirname, '../../..');
const STACK_MAIN = path.join(ROOT, 'dist/apps/local-stack/main.js');
const CLI_MAIN = path.join(ROOT, 'dist/apps/cli/main.js');

/** The local stack as `npm start` runs it: a process of its own, JSON log lines on stdout. */
export class StackProcess {
  readonly lines: Record<string, unknown>[] = [];
  url = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(
    readonly home: string,
    env: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, [STACK_MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        GEN3D_HOME: home,
        GEN3D_STACK_PORT: '0',
        GEN3D_LOG_FORMAT: 'json',
        MAX_CONCURRENT_INVOCATIONS: '2',
        GEN3D_STOP_GRACE_SECONDS: '20',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not JSON (none expected)
        }
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get errors(): string {
    return this.stderr;
  }

  async ready(timeoutMs = 60_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = this.lines.find((l) => String(l['msg']).startsWith('ready:'));
      if (ready) {
        this.url = ready['url'] as string;
        return this;
      }
      if (this.child.exitCode !== null) throw new Error(`the stack exited: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`the stack did not start: ${this.stderr}`);
      await sleep(50);
    }
  }

  /** The sidecar and the worker host it supervises (both must be gone after a stop). */
  async processes(): Promise<{ sidecar: number; workers: number[] }> {
    const token = readFileSync(path.join(this.home, 'operator.token'), 'utf8').trim();
    const health = (await (
      await fetch(`${this.url}/local/health`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { sidecar: { pid: number } };
    const sidecar = health.sidecar.pid;
    return { sidecar, workers: childrenOf(sidecar) };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}

/** Runs the built CLI as a user would; never throws for a non-zero exit. */
export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every mail in an outbox folder, parsed by a real mail parser. */
export async function outbox(dir: string): Promise<{ file: string; mail: ParsedMail }[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  return Promise.all(
    files.map(async (file) => ({ file, mail: await simpleParser(readFileSync(path.join(dir, file))) })),
  );
}

export function recipient(mail: ParsedMail): string {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value[0]?.address ?? '';
}

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks a PLY with a real PLY reader (trimesh, in the repository's Python venv): counts and closedness. */
export async function readPly(
  file: string,
): Promise<{ vertices: number; faces: number; watertight: boolean; colours: boolean }> {
  const script = [
    'import json, sys, trimesh',
    'm = trimesh.load(sys.argv[1], process=False)',
    'c = m.visual.kind == "vertex"',
    'print(json.dumps({"vertices": len(m.vertices), "faces": len(m.faces), "watertight": bool(m.is_watertight), "colours": bool(c)}))',
  ].join('\n');
  const { stdout } = await promisify(execFile)(path.join(ROOT, '.venv/bin/python'), ['-c', script, file]);
  return JSON.parse(stdout);
}

/**
 * Waits until the stack's pipeline has nothing left to do: no S3 event waiting in the journal, nothing ready or in
 * flight in the extract, notify and async-inference queues, for `quietMs` in a row. Emails are counted after this,
 * never when the first one appears.
 */
export async function pipelineIdle(home: string, quietMs = 1500, timeoutMs = 90_000): Promise<void> {
  const pending = () => {
    const dirs = [
      path.join(home, 'data/.events'),
      ...['extract', 'notify', 'sagemaker-async'].flatMap((q) =>
        ['ready', 'inflight'].map((d) => path.join(home, 'queues', q, d)),
      ),
    ];
    return dirs.reduce(
      (n, dir) => n + (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0),
      0,
    );
  };
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  for (;;) {
    if (pending() > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the pipeline to be idle');
    await sleep(100);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are read loosely
type Loose = Record<string, any>;

/** The web API of a running stack, as a browser uses it: a session, upload grants, forms posted, confirmations. */
export class Browser {
  token = '';
  userId = '';

  constructor(readonly stackUrl: string) {}

  async start(): Promise<this> {
    const answer = (await (await fetch(`${this.stackUrl}/api/session`, { method: 'POST' })).json()) as {
      token: string;
      userId: string;
    };
    this.token = answer.token;
    this.userId = answer.userId;
    return this;
  }

  async grant(body: Record<string, unknown>): Promise<{ status: number; json: Loose }> {
    const response = await fetch(`${this.stackUrl}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Loose };
  }

  /** Posts a grant's form with a file, as the web page does (fields first, then the file). */
  static async post(
    upload: { url: string; fields: Record<string, string> },
    file: Uint8Array,
  ): Promise<Response> {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from(file)], { type: 'image/png' }));
    return fetch(upload.url, { method: 'POST', body: form });
  }

  async jobs(): Promise<{ jobId: string; state: string; name: string; email?: string }[]> {
    const response = await fetch(`${this.stackUrl}/api/jobs`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    return ((await response.json()) as { jobs: { jobId: string; state: string; name: string }[] }).jobs;
  }

  async job(jobId: string): Promise<{ jobId: string; state: string; name: string; email?: string }> {
    const response = await fetch(`${this.stackUrl}/api/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    return ((await response.json()) as { job: { jobId: string; state: string; name: string } }).job;
  }

  async confirm(token: string): Promise<{ status: number; json: Loose }> {
    const response = await fetch(`${this.stackUrl}/api/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    return { status: response.status, json: (await response.json()) as Loose };
  }
}
