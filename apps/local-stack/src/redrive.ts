import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseCreatedObject } from '@gen3d/events';
import { jobIdFor } from '@gen3d/jobs';
import { parseDataBucketKey, parseJobId } from '@gen3d/s3-keys';

/**
 * The durable queues whose dead letters go back (durable-queue.ts), each a folder under the queues folder. Not the
 * SageMaker-style queue: a request it gave up on already has its failure record, and so its one failure email; run
 * again, its result would share that job's notify lock and reach nobody. `gen3d retry` re-runs a failed job.
 */
export const REDRIVEN_QUEUES = ['extract', 'notify'] as const;
export type RedrivenQueue = (typeof REDRIVEN_QUEUES)[number];

export interface RedriveOutcome {
  readonly queue: RedrivenQueue;
  /** Messages moved from dead/ back to ready/. */
  readonly moved: number;
  /** The jobs those messages name, where a message says which (an S3 event of a mesh or report does not). */
  readonly jobs: string[];
}

interface DeadMessage {
  readonly id: string;
  readonly attempts: number;
  readonly body: unknown;
}

/**
 * Sends what the extract, notify and SageMaker queues gave up on through the pipeline again, as SQS's dead-letter
 * redrive does: each message in `<queue>/dead/` goes back to `<queue>/ready/` with its attempts counted from zero.
 * Safe while the stack runs: a message lands in ready/ by link() (whole, never half-written; a message of the same id
 * already waiting is delivered once), and the running queue picks it up at its next look at the folder. A message
 * that cannot be read stays in dead/ and is not counted.
 *
 * @example await redriveDeadLetters('.gen3d/queues') // [{ queue: 'extract', moved: 1, jobs: ['3f…'] }, …]
 */
export async function redriveDeadLetters(queuesDir: string): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  for (const queue of REDRIVEN_QUEUES) outcomes.push(await redriveQueue(queuesDir, queue));
  return outcomes;
}

async function redriveQueue(queuesDir: string, queue: RedrivenQueue): Promise<RedriveOutcome> {
  const dir = path.join(queuesDir, queue);
  const dead = path.join(dir, 'dead');
  const ready = path.join(dir, 'ready');
  const jobs = new Set<string>();
  let moved = 0;
  for (const file of (await namesIn(dead)).filter(
    (name) => name.endsWith('.json') && !name.startsWith('.'),
  )) {
    const message = await readDeadMessage(path.join(dead, file));
    if (!message) continue;
    await fs.mkdir(ready, { recursive: true });
    await linkNew(dir, path.join(ready, file), { ...message, attempts: 0, notBefore: 0 });
    await fs.rm(path.join(dead, file), { force: true });
    moved += 1;
    const job = jobOfMessage(queue, message.body);
    if (job) jobs.add(job);
  }
  return { queue, moved, jobs: [...jobs].sort() };
}

/** Writes a message under a name in ready/; one already there (the same id queued meanwhile) stays as it is. */
async function linkNew(dir: string, file: string, message: unknown): Promise<void> {
  const temp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(temp, JSON.stringify(message));
  try {
    await fs.link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function readDeadMessage(file: string): Promise<DeadMessage | undefined> {
  try {
    const message = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<DeadMessage> | null;
    if (typeof message?.id === 'string' && typeof message.attempts === 'number')
      return message as DeadMessage;
  } catch {
    // gone meanwhile, cut short or not JSON: left where it is
  }
  return undefined;
}

/**
 * The job a message is about: the inference id of a SageMaker request; for an S3 event, the job id extract derives
 * from the upload, or the one in the key of a failure record, a rejected upload's document or a job document.
 */
export function jobOfMessage(queue: RedrivenQueue, body: unknown): string | undefined {
  try {
    const object = parseCreatedObject((body as { Records: unknown[] }).Records[0]);
    if (queue === 'extract') return jobIdFor(object);
    const key = parseDataBucketKey(object.key);
    if ('jobId' in key) return key.jobId;
    if (key.kind === 'sagemaker-failure') return parseJobId(key.inferenceId);
  } catch {
    // not a message this queue would hold: it names no job
  }
  return undefined;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
