import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { buildInputKey } from '@gen3d/s3-keys';
import { parseCommand, USAGE, UsageError, type Command } from './args';
import {
  awsClient,
  localClient,
  StackError,
  StackUnreachableError,
  type JobClient,
  type LinkedJob,
} from './clients';
import { isOperation, runOperation } from './operations';
import { checkPng } from './png';
import { Progress } from './progress';

/** A job that ended in `failed` (exit 1) or a --wait that ran out (exit 4): the reason is already printed. */
class JobEndedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const command = parseCommand(argv);
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = (human: string, json: unknown) =>
    process.stdout.write(command.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  if (command.command === 'submit') {
    // Checked here, before anything is uploaded: the file exists, it is a PNG, its name can be a key.
    const image = await readInput(command.image, 'picture');
    const mask = command.mask ? await readInput(command.mask, 'mask') : undefined;
    const name = path.basename(command.image).replace(/\.png$/i, '');
    // Every key made from the name must fit (MAX_NAME_BYTES of UTF-8): InvalidKeyError is exit 2, one line.
    buildInputKey({ userId: 'cli', name });
    const client = await clientFor(command);
    const { jobId } = await client.submit({
      name,
      image,
      ...(mask ? { mask } : {}),
      ...(command.email ? { email: command.email } : {}),
      options: {
        ...(command.quality ? { quality: command.quality } : {}),
        ...(command.shape ? { shape: command.shape } : {}),
        ...(command.point ? { point: command.point } : {}),
        ...(command.points ? { points: command.points } : {}),
        ...(command.box ? { box: command.box } : {}),
        ...(command.formats ? { formats: command.formats } : {}),
        ...(command.targetFaces !== undefined ? { targetFaces: command.targetFaces } : {}),
      },
    });
    if (!command.wait) {
      out(`submitted ${name}.png as job ${jobId} (${client.where}); follow it with: gen3d status ${jobId}`, {
        jobId,
        name,
        state: 'submitted',
      });
      return 0;
    }
    const view = await waitFor(client, jobId, name, command.timeoutSeconds, command.json);
    out(describe(view), view);
    return view.job.state === 'done' ? 0 : 1;
  }
  const client = await clientFor(command);
  if (isOperation(command)) return runOperation(command, client, out);
  if (command.command === 'list') {
    const jobs = await client.jobs();
    out(
      jobs.length === 0
        ? 'no jobs yet: gen3d submit IMAGE.png --email you@example.com'
        : jobs
            .map((j) => `${j.job.jobId}  ${j.job.state.padEnd(9)}  ${j.job.updatedAt}  ${j.job.name}.png`)
            .join('\n'),
      { jobs },
    );
    return 0;
  }
  const view = await client.job(command.jobId);
  if (!view) throw new StackError(`no job ${command.jobId} for this user (see gen3d list)`);
  if (command.command === 'status') {
    out(describe(view), view);
    return view.job.state === 'failed' ? 1 : 0;
  }
  if (view.job.state !== 'done') {
    throw new JobEndedError(
      `job ${command.jobId} has no mesh: it is ${view.job.state}`,
      view.job.state === 'failed' ? 1 : 4,
    );
  }
  const target = path.resolve(command.out ?? `${view.job.name}.${command.format}`);
  const mesh = await client.download(view, command.format);
  await writeFile(target, mesh);
  out(`downloaded ${mesh.length} bytes to ${target}`, {
    jobId: command.jobId,
    format: command.format,
    path: target,
    bytes: mesh.length,
  });
  return 0;
}

async function clientFor(command: Exclude<Command, { command: 'help' }>): Promise<JobClient> {
  const userId = command.user ?? process.env['GEN3D_USER'] ?? defaultUser();
  if (command.aws) {
    return awsClient({
      bucket:
        command.bucket ??
        process.env['DATA_BUCKET'] ??
        process.env['GEN3D_DATA_BUCKET_NAME'] ??
        'gen3d-data-bucket',
      userId,
    });
  }
  const stackUrl = (
    command.stack ??
    process.env['GEN3D_STACK_URL'] ??
    `http://127.0.0.1:${process.env['GEN3D_STACK_PORT'] ?? '4300'}`
  ).replace(/\/+$/, '');
  return localClient({ stackUrl, home: path.resolve(process.env['GEN3D_HOME'] ?? '.gen3d'), userId });
}

function defaultUser(): string {
  const login = userInfo()
    .username.replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 40);
  return login ? `local-${login}` : 'local';
}

async function readInput(file: string, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (code ?? (error as Error).message);
    throw new UsageError(`cannot read the ${what} ${file}: ${why}`);
  }
  const problem = checkPng(bytes);
  if (problem) throw new UsageError(`${file} is not a PNG: ${problem}. Nothing was uploaded.`);
  return bytes;
}

const WAITING: Record<string, string> = {
  submitted: 'uploaded, waiting for the pipeline',
  queued: 'queued',
  reconstructing: 'reconstructing',
  done: 'done',
  failed: 'failed',
};

/** Polls the job until it ends, showing the stage and the time on a terminal, or one line per change otherwise. */
async function waitFor(
  client: JobClient,
  jobId: string,
  name: string,
  timeoutSeconds: number,
  json: boolean,
): Promise<LinkedJob> {
  const progress = new Progress(process.stderr, `${name}.png`, { quiet: json && !process.stderr.isTTY });
  const deadline = Date.now() + timeoutSeconds * 1000;
  try {
    for (;;) {
      const view = await client.job(jobId);
      const state = view?.job.state ?? 'submitted';
      progress.update(WAITING[state] ?? state);
      if (view && (state === 'done' || state === 'failed')) {
        progress.done(state === 'done');
        return view;
      }
      if (Date.now() > deadline) {
        progress.done(false);
        throw new JobEndedError(
          `job ${jobId} is still ${state} after ${timeoutSeconds} s (gen3d status ${jobId} to look again)`,
          4,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    progress.stop();
  }
}

function describe(view: LinkedJob): string {
  const s = view.job;
  const lines = [`job ${s.jobId}: ${s.name}.png is ${WAITING[s.state] ?? s.state}`];
  const took = (from: string | undefined, to: string | undefined) =>
    from && to ? ` (${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s)` : '';
  lines.push(`  queued:  ${s.queuedAt}`);
  if (s.startedAt) lines.push(`  started: ${s.startedAt}${took(s.queuedAt, s.startedAt)}`);
  if (s.finishedAt) lines.push(`  ended:   ${s.finishedAt}${took(s.startedAt ?? s.queuedAt, s.finishedAt)}`);
  if (s.state === 'done') {
    if (s.mesh)
      lines.push(
        `  mesh: ${s.mesh.vertices} vertices, ${s.mesh.faces} triangles, ${s.mesh.watertight ? 'closed' : 'open'}`,
      );
    const ply = view.files.find((f) => f.format === 'ply');
    if (ply?.path) lines.push(`  file: ${ply.path}`);
    if (ply) lines.push(`  link: ${ply.url}`, `        (works until ${ply.expiresAt})`);
    const thumbnail = view.images?.find((i) => i.image === 'thumbnail');
    if (thumbnail) lines.push(`  thumbnail: ${thumbnail.path ?? thumbnail.url}`);
  }
  if (s.keptUntil) lines.push(`  kept until: ${s.keptUntil}`);
  if (s.state === 'failed' && s.error) lines.push(`  reason: ${s.error.reason}`, `  error: ${s.error.code}`);
  return lines.join('\n');
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code =
      error instanceof UsageError
        ? 2
        : error instanceof StackUnreachableError
          ? 3
          : error instanceof JobEndedError
            ? error.exitCode
            : 1;
    const known = [UsageError, StackUnreachableError, StackError, JobEndedError].some(
      (type) => error instanceof type,
    );
    const name = (error as Error).name;
    const message =
      known || name === 'InvalidKeyError' ? (error as Error).message : `${name}: ${(error as Error).message}`;
    process.stderr.write(
      `gen3d: ${message}${error instanceof UsageError && !message.includes('Nothing') ? ' (gen3d --help)' : ''}\n`,
    );
    process.exitCode = name === 'InvalidKeyError' ? 2 : code;
  },
);
