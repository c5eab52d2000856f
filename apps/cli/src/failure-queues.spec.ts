import { s3CreatedEvent } from '@gen3d/events/testing';
import { jobIdFor } from '@gen3d/jobs';
import { onFailureRecord } from '../tests/on-failure-record';
import {
  redriveFailureQueue,
  type EventInvoker,
  type FailureQueue,
  type QueuedMessage,
} from './failure-queues';
import { parseFailureRecord, UnreadableRecordError } from './failure-records';

const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:Gen3DExtractLambda';
const notifyArn = 'arn:aws:lambda:eu-west-1:123456789012:function:Gen3DNotifyLambda:live';
const bucket = 'gen3d-data-bucket';
const upload = { bucket, key: 'users/u1/input/my chair.png', versionId: 'v1', eTag: 'e1' };

/** An SQS queue in memory: received messages are hidden until deleted or released, as SQS hides them. */
function memoryQueue(
  bodies: readonly string[],
  name = 'Gen3DExtractLambda-Failures',
  account: string | undefined = '123456789012',
) {
  const messages = bodies.map((body, i) => ({
    messageId: `m${i}`,
    body,
    receiptHandle: `r${i}`,
    hidden: false,
  }));
  const queue: FailureQueue & { readonly messages: typeof messages } = {
    name,
    account,
    messages,
    async receive() {
      const batch = messages.filter((m) => !m.hidden).slice(0, 10);
      batch.forEach((m) => (m.hidden = true));
      return batch.map(({ messageId, body, receiptHandle }): QueuedMessage => ({
        messageId,
        body,
        receiptHandle,
      }));
    },
    async delete(message) {
      messages.splice(
        messages.findIndex((m) => m.receiptHandle === message.receiptHandle),
        1,
      );
    },
    async release(message) {
      const held = messages.find((m) => m.receiptHandle === message.receiptHandle);
      if (held) held.hidden = false;
    },
  };
  return queue;
}

function recordingInvoker(refuse: (functionArn: string) => boolean = () => false) {
  const calls: { functionArn: string; payload: unknown }[] = [];
  const invoker: EventInvoker = {
    async invoke(functionArn, payload) {
      if (refuse(functionArn))
        throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
      calls.push({ functionArn, payload });
    },
  };
  return { invoker, calls };
}

describe('parseFailureRecord', () => {
  it('reads the function, the event and the job extract derives from the upload', () => {
    const event = s3CreatedEvent([upload]);
    const record = parseFailureRecord(JSON.stringify(onFailureRecord({ functionArn: `${arn}:live`, event })));
    expect(record).toEqual({
      functionArn: `${arn}:live`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: event,
      jobs: [jobIdFor(upload)],
      keys: [],
    });
  });

  it('names the key of an event that starts no job: a finished mesh, a mask', () => {
    const event = s3CreatedEvent([
      { bucket, key: 'users/u1/output/my chair.ply' },
      { bucket, key: 'users/u1/masks/my chair.png' },
    ]);
    const record = parseFailureRecord(JSON.stringify(onFailureRecord({ functionArn: notifyArn, event })));
    expect([record.jobs, record.keys]).toEqual([
      [],
      ['users/u1/output/my chair.ply', 'users/u1/masks/my chair.png'],
    ]);
  });

  it('refuses what is not an on-failure record of an S3 event', () => {
    const record = onFailureRecord({ functionArn: arn, event: s3CreatedEvent([upload]) });
    expect(() => parseFailureRecord('{"Records": [')).toThrow(new UnreadableRecordError('not JSON'));
    expect(() => parseFailureRecord(JSON.stringify(s3CreatedEvent([upload])))).toThrow(/requestContext/);
    expect(() =>
      parseFailureRecord(
        JSON.stringify({ ...record, requestContext: { ...record.requestContext, functionArn: 'x' } }),
      ),
    ).toThrow(/requestContext\.functionArn/);
    expect(() =>
      parseFailureRecord(JSON.stringify({ ...record, requestPayload: { Records: [{}] } })),
    ).toThrow(/not an S3 object-created event/);
  });
});

describe('redriveFailureQueue', () => {
  const extractRecord = JSON.stringify(
    onFailureRecord({ functionArn: `${arn}:live`, event: s3CreatedEvent([upload]) }),
  );
  const meshEvent = s3CreatedEvent([{ bucket, key: 'users/u1/output/my chair.ply' }]);
  const notifyRecord = JSON.stringify(onFailureRecord({ functionArn: notifyArn, event: meshEvent }));

  it('invokes each record’s event on the function it names, deletes it, and leaves what it cannot read', async () => {
    const queue = memoryQueue([extractRecord, 'not json']);
    const { invoker, calls } = recordingInvoker();

    const outcome = await redriveFailureQueue(queue, invoker, { dryRun: false });

    expect(calls).toEqual([{ functionArn: `${arn}:live`, payload: s3CreatedEvent([upload]) }]);
    expect(outcome).toEqual({
      queue: 'Gen3DExtractLambda-Failures',
      moved: 1,
      found: 1,
      jobs: [jobIdFor(upload)],
      keys: [],
      left: [{ messageId: 'm1', reason: 'not JSON' }],
    });
    expect(queue.messages.map((m) => [m.body, m.hidden])).toEqual([['not json', false]]);

    const notify = memoryQueue([notifyRecord], 'Gen3DNotifyLambda-Failures');
    expect(await redriveFailureQueue(notify, invoker, { dryRun: false })).toMatchObject({
      moved: 1,
      keys: ['users/u1/output/my chair.ply'],
    });
    expect(calls[1]).toEqual({ functionArn: notifyArn, payload: meshEvent });
  });

  it('sends a record only to the function that owns the queue, in the queue’s account', async () => {
    const foreign = JSON.stringify(
      onFailureRecord({
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:SomethingElse',
        event: s3CreatedEvent([upload]),
      }),
    );
    const otherAccount = JSON.stringify(
      onFailureRecord({
        functionArn: 'arn:aws:lambda:eu-west-1:999999999999:function:Gen3DExtractLambda',
        event: s3CreatedEvent([upload]),
      }),
    );
    const queue = memoryQueue([foreign, notifyRecord, otherAccount]);
    const { invoker, calls } = recordingInvoker();

    const outcome = await redriveFailureQueue(queue, invoker, { dryRun: false });

    expect(calls).toEqual([]);
    expect(outcome.left.map((l) => l.reason)).toEqual([
      expect.stringMatching(/names function SomethingElse, not Gen3DExtractLambda/),
      expect.stringMatching(/names function Gen3DNotifyLambda, not Gen3DExtractLambda/),
      expect.stringMatching(/account 999999999999, not the queue's 123456789012/),
    ]);
    expect(queue.messages).toHaveLength(3);
  });

  it('keeps a record whose function refuses it, and sends the rest', async () => {
    const queue = memoryQueue([notifyRecord, notifyRecord], 'Gen3DNotifyLambda-Failures');
    let invocations = 0;
    const { invoker, calls } = recordingInvoker(() => (invocations += 1) === 1);

    const outcome = await redriveFailureQueue(queue, invoker, { dryRun: false });

    expect(calls.map((c) => c.functionArn)).toEqual([notifyArn]);
    expect(outcome.moved).toBe(1);
    expect(outcome.left).toEqual([
      { messageId: 'm0', reason: `${notifyArn} refused it: ResourceNotFoundException: Function not found` },
    ]);
    expect(queue.messages.map((m) => [m.messageId, m.hidden])).toEqual([['m0', false]]);
  });

  it('lists without sending on a dry run, and leaves every message visible', async () => {
    const queue = memoryQueue([extractRecord, extractRecord]);
    const { invoker, calls } = recordingInvoker();

    const outcome = await redriveFailureQueue(queue, invoker, { dryRun: true });

    expect(calls).toEqual([]);
    expect(outcome).toMatchObject({ moved: 0, found: 2, jobs: [jobIdFor(upload)], left: [] });
    expect(queue.messages.map((m) => m.hidden)).toEqual([false, false]);
  });

  it('reads past the first ten messages, and sends a message delivered twice once and deletes both copies', async () => {
    const queue = memoryQueue(Array.from({ length: 12 }, () => extractRecord));
    const [first] = queue.messages;
    if (!first) throw new Error('no message');
    queue.messages[11] = { ...first, receiptHandle: 'r-again' }; // the same message, handed out again
    const { invoker, calls } = recordingInvoker();

    const outcome = await redriveFailureQueue(queue, invoker, { dryRun: false });

    expect(calls).toHaveLength(11);
    expect(outcome.moved).toBe(11);
    expect(queue.messages).toEqual([]);
  });
});
