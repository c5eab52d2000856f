import { parseFailureRecord, UnreadableRecordError, type FailureRecord } from './failure-records';

/** One message as the queue hands it out: its id, its body, and the handle that deletes or releases it. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle: string;
}

/** One on-failure queue, read by one redrive. */
export interface FailureQueue {
  readonly name: string;
  /** The account the queue is in (from its URL), when known: a record may only name a function of that account. */
  readonly account?: string | undefined;
  /** Up to ten messages, hidden from every reader (this one included) until deleted or released; [] when none is left. */
  receive(): Promise<QueuedMessage[]>;
  delete(message: QueuedMessage): Promise<void>;
  /** Makes a message visible again at once: what this run leaves is there for the next. */
  release(message: QueuedMessage): Promise<void>;
}

/** Starts a function asynchronously (Lambda's Event invocation) with the event it is given. */
export interface EventInvoker {
  invoke(functionArn: string, payload: unknown): Promise<void>;
}

/** A message a redrive left in its queue, and why. */
export interface LeftMessage {
  readonly messageId: string;
  readonly reason: string;
}

/** What one on-failure queue's redrive did. */
export interface FailureQueueRedrive {
  readonly queue: string;
  /** Records sent again (invoked, then deleted); with dryRun, 0. */
  readonly moved: number;
  /** Records that would be sent again (dryRun), or were (otherwise). */
  readonly found: number;
  readonly jobs: readonly string[];
  readonly keys: readonly string[];
  readonly left: readonly LeftMessage[];
}

/**
 * Sends each on-failure record of the queue back to the function it names, as Lambda's own retry would: the record's
 * `requestPayload` invoked asynchronously on its `functionArn` (qualifier kept), then the message deleted. A message
 * that cannot be read, or whose invocation is refused, stays in the queue (visible again at the end) and is reported.
 * Invoking before deleting can start an event twice if the delete fails: the functions are idempotent per object
 * version (the job id), so that costs a duplicate, never a lost event. With `dryRun` nothing is invoked or deleted.
 *
 * @example await redriveFailureQueue(queue, invoker, { dryRun: false }) // { queue: 'Gen3DExtractLambda-Failures', moved: 2, … }
 */
export async function redriveFailureQueue(
  queue: FailureQueue,
  invoker: EventInvoker,
  options: { readonly dryRun: boolean },
): Promise<FailureQueueRedrive> {
  const seen = new Set<string>();
  const sent = new Set<string>();
  const held: QueuedMessage[] = [];
  const left: LeftMessage[] = [];
  const jobs = new Set<string>();
  const keys = new Set<string>();
  let found = 0;
  let moved = 0;
  try {
    for (let batch = await queue.receive(); batch.length > 0; batch = await queue.receive()) {
      for (const message of batch) {
        if (seen.has(message.messageId)) {
          // SQS delivers at least once: a second copy is not a second event, and goes where the first went
          if (sent.has(message.messageId)) await queue.delete(message);
          else held.push(message);
          continue;
        }
        seen.add(message.messageId);
        const record = readRecord(queue, message, left);
        if (!record) {
          held.push(message);
          continue;
        }
        found += 1;
        if (options.dryRun) held.push(message);
        else if (await sendAgain(queue, invoker, message, record, left)) {
          sent.add(message.messageId);
          moved += 1;
        } else {
          held.push(message);
          continue;
        }
        record.jobs.forEach((job) => jobs.add(job));
        record.keys.forEach((key) => keys.add(key));
      }
    }
  } finally {
    for (const message of held) await queue.release(message);
  }
  return { queue: queue.name, moved, found, jobs: [...jobs].sort(), keys: [...keys].sort(), left };
}

function readRecord(
  queue: FailureQueue,
  message: QueuedMessage,
  left: LeftMessage[],
): FailureRecord | undefined {
  try {
    const record = parseFailureRecord(message.body);
    const refusal = foreignFunction(queue, record.functionArn);
    if (refusal) throw new UnreadableRecordError(refusal);
    return record;
  } catch (error) {
    if (!(error instanceof UnreadableRecordError)) throw error;
    left.push({ messageId: message.messageId, reason: error.message });
    return undefined;
  }
}

/**
 * Why a record may not be sent where it says: anyone who can write to a failure queue could otherwise have redrive
 * invoke any function with any payload. A queue `NAME-Failures` belongs to the function `NAME` of its own account.
 */
function foreignFunction(queue: FailureQueue, functionArn: string): string | undefined {
  const [, , , , account, , name] = functionArn.split(':');
  const owner = queue.name.endsWith('-Failures') ? queue.name.slice(0, -'-Failures'.length) : undefined;
  if (name !== owner) return `the record names function ${name}, not ${owner ?? 'the queue’s own'}: not sent`;
  if (queue.account !== undefined && account !== queue.account) {
    return `the record names a function of account ${account}, not the queue's ${queue.account}: not sent`;
  }
  return undefined;
}

/** Invokes the record's function with its event, then deletes the message; false (and reported) when refused. */
async function sendAgain(
  queue: FailureQueue,
  invoker: EventInvoker,
  message: QueuedMessage,
  record: FailureRecord,
  left: LeftMessage[],
): Promise<boolean> {
  try {
    await invoker.invoke(record.functionArn, record.requestPayload);
  } catch (error) {
    const { name, message: why } = error as Error;
    left.push({ messageId: message.messageId, reason: `${record.functionArn} refused it: ${name}: ${why}` });
    return false;
  }
  await queue.delete(message);
  return true;
}
