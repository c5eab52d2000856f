import path from 'node:path';
import type { Command } from './args';
import { StackError, type JobClient } from './clients';

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
  const queues = await client.redrive();
  const moved = queues.reduce((sum, q) => sum + q.moved, 0);
  const jobs = [...new Set(queues.flatMap((q) => q.jobs))].sort();
  const lines = queues
    .filter((q) => q.moved > 0)
    .map((q) => `  ${q.queue}: ${q.moved} (${q.jobs.join(', ') || 'no job named'})`);
  out([`sent ${moved} dead letters through the pipeline again`, ...lines].join('\n'), {
    moved,
    jobs,
    queues,
  });
  return 0;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${what} ${n}`)
    .join(', ');
}
