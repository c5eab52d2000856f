import path from 'node:path';
import type { Command } from './args';
import { StackError, type JobClient, type Redriven } from './clients';

/** The commands that change jobs or read them in bulk: retry, delete, export, redrive. */
export type Operation = Extract<Command, { command: 'retry' | 'delete' | 'export' | 'redrive' }>;

/** Prints one line for a person, or the JSON value with --json. */
export type Output = (human: string, json: unknown) => void;

export function isOperation(command: Command): command is Operation {
  return ['retry', 'delete', 'export', 'redrive'].includes(command.command);
}

/** Runs one operation; answers the exit code (0: done). @throws StackError for a job that is not there. */
export async function runOperation(command: Operation, client: JobClient, out: Output): Promise<number> {
  if (command.command === 'retry') {
    const { jobId, point, points, box, shape } = command;
    const started = await client.retry(jobId, {
      ...(point ? { point } : {}),
      ...(points ? { points } : {}),
      ...(box ? { box } : {}),
      ...(shape ? { shape } : {}),
    });
    if (!started) throw new StackError(`no job ${jobId} for this user (see gen3d list)`);
    out(
      `retried job ${jobId} as job ${started.jobId} (${started.name}.png); follow it with: gen3d status ${started.jobId}`,
      { retryOf: jobId, jobId: started.jobId, name: started.name, state: 'submitted' },
    );
    return 0;
  }
  if (command.command === 'delete') {
    const deleted = await client.remove(command.jobId);
    if (!deleted) throw new StackError(`no job ${command.jobId} for this user (see gen3d list)`);
    const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
    out(`deleted job ${command.jobId}: ${total} stored versions (${describeCounts(deleted)})`, {
      jobId: command.jobId,
      deleted,
    });
    return 0;
  }
  if (command.command === 'export') {
    const folder = path.resolve(command.to);
    const written = await client.exportTo(folder);
    out(`exported ${written.files} files (${written.bytes} bytes) of user ${command.user} to ${folder}`, {
      userId: command.user,
      folder,
      ...written,
    });
    return 0;
  }
  return reportRedrive(command, await client.redrive(command), out);
}

/** How many messages went back, from which queue, naming their jobs (or keys); with --aws, what was left and why. */
function reportRedrive(
  command: Extract<Operation, { command: 'redrive' }>,
  queues: Redriven[],
  out: Output,
): number {
  const moved = queues.reduce((sum, q) => sum + q.moved, 0);
  const jobs = [...new Set(queues.flatMap((q) => q.jobs))].sort();
  const named = (q: Redriven) => [...q.jobs, ...(q.keys ?? [])].join(', ') || 'no job named';
  const lines: string[] = [];
  for (const q of queues) {
    const count = command.dryRun ? (q.found ?? 0) : q.moved;
    if (count > 0) lines.push(`  ${q.queue}: ${count} (${named(q)})`);
    for (const left of q.left ?? [])
      lines.push(`  ${q.queue}: left message ${left.messageId} in the queue: ${left.reason}`);
  }
  const what = command.aws ? 'on-failure records' : 'dead letters';
  const head = command.dryRun
    ? `dry run: ${queues.reduce((sum, q) => sum + (q.found ?? 0), 0)} ${what} would be sent through the pipeline again (nothing sent)`
    : `sent ${moved} ${what} through the pipeline again`;
  const left = queues.reduce((sum, q) => sum + (q.left?.length ?? 0), 0);
  out([head, ...lines].join('\n'), { ...(command.dryRun ? { dryRun: true } : {}), moved, jobs, queues });
  return left > 0 ? 1 : 0;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${what} ${n}`)
    .join(', ');
}
