import path from 'node:path';
import { parseCreatedObject, type CreatedObject } from '@gen3d/events';
import { jobNamedBy, jobStartedBy } from '@gen3d/jobs';
import { redriveDead } from './durable-queue';

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

/**
 * Sends what the extract and notify queues gave up on (REDRIVEN_QUEUES: never the SageMaker one) through the pipeline
 * again, as SQS's dead-letter redrive does (`redriveDead`): each message in `<queue>/dead/` goes back to
 * `<queue>/ready/` with its attempts counted from zero, safely while the stack runs. A message that cannot be read stays in dead/ and is not counted.
 *
 * @example await redriveDeadLetters('.gen3d/queues') // [{ queue: 'extract', moved: 1, jobs: ['3f…'] }, …]
 */
export async function redriveDeadLetters(queuesDir: string): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  for (const queue of REDRIVEN_QUEUES) outcomes.push(await redriveQueue(queuesDir, queue));
  return outcomes;
}

async function redriveQueue(queuesDir: string, queue: RedrivenQueue): Promise<RedriveOutcome> {
  const moved = await redriveDead(path.join(queuesDir, queue));
  const jobs = new Set(moved.flatMap((message) => jobOfMessage(queue, message.body) ?? []));
  return { queue, moved: moved.length, jobs: [...jobs].sort() };
}

/**
 * The job a message is about: for extract's S3 event, the job it starts (as extract derives its id); for notify's, the
 * job its object's key names (a result, failure record, rejected upload's document or SageMaker's failure path).
 */
export function jobOfMessage(queue: RedrivenQueue, body: unknown): string | undefined {
  let object: CreatedObject;
  try {
    object = parseCreatedObject((body as { Records: unknown[] }).Records[0]);
  } catch {
    return undefined; // not a message this queue would hold: it names no job
  }
  return queue === 'extract' ? jobStartedBy(object) : jobNamedBy(object.key);
}
