import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { s3CreatedEvent } from '@gen3d/events/testing';
import { jobIdFor } from '@gen3d/jobs';
import { FAILURE_QUEUE_NAMES } from '@gen3d/s3-keys';
import { onFailureRecord } from './on-failure-record';

// `gen3d redrive --aws` with the real AWS SDK: the on-failure queues are moto's SQS; Lambda's Invoke goes to a
// recording endpoint (AWS_ENDPOINT_URL_LAMBDA) that answers as Lambda does, 202 for an Event invocation of a function
// it knows and ResourceNotFoundException otherwise. moto's Lambda without Docker accepts any Invoke, of any function,
// and keeps no record of the payload, so it could not show what was sent.
const CLI = path.resolve(__dirname, '../../../dist/apps/cli/main.js');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const sqs = new SQSClient({ region: 'us-east-1', endpoint });
const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const extractLive = `${functionArn('Gen3DExtractLambda')}:live`;
const notifyLive = `${functionArn('Gen3DNotifyLambda')}:live`;
const bucket = 'gen3d-data-bucket';
const upload = {
  bucket,
  key: 'users/op1/input/my chair.png',
  versionId: 'v-1',
  eTag: '0f343b0931126a20f133d67c2b018a3b',
};
const uploadEvent = s3CreatedEvent([upload]);
const meshEvent = s3CreatedEvent([{ bucket, key: 'users/op1/output/my chair.ply', versionId: 'v-2' }]);

interface Invocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
  readonly payload: unknown;
}
const invocations: Invocation[] = [];
let lambda: Server;
let lambdaEndpoint: string;

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Lambda's Invoke (POST /2015-03-31/functions/{FunctionName}/invocations) for the two live aliases. */
function startLambda(): Promise<void> {
  lambda = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? '');
      const functionName = decodeURIComponent(match?.[1] ?? '');
      if (request.method !== 'POST' || ![extractLive, notifyLive].includes(functionName)) {
        response.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
        return;
      }
      const invocationType = request.headers['x-amz-invocation-type'] as string | undefined;
      invocations.push({ functionName, invocationType, payload: JSON.parse(body) });
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end();
    });
  });
  return new Promise((resolve) =>
    lambda.listen(0, '127.0.0.1', () => {
      lambdaEndpoint = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function gen3d(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CLI, 'redrive', '--aws', ...args],
      {
        env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const queueUrls: Record<string, string> = {};

async function messagesIn(queue: string) {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrls[queue],
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(attributes.Attributes?.['ApproximateNumberOfMessages']),
    hidden: Number(attributes.Attributes?.['ApproximateNumberOfMessagesNotVisible']),
  };
}

beforeAll(async () => {
  await startLambda();
  for (const name of Object.values(FAILURE_QUEUE_NAMES)) {
    queueUrls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  }
  const send = (queue: string, body: unknown) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrls[queue],
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  await send(FAILURE_QUEUE_NAMES.extract, onFailureRecord({ functionArn: extractLive, event: uploadEvent }));
  await send(FAILURE_QUEUE_NAMES.extract, 'Task timed out after 30.00 seconds');
  await send(
    FAILURE_QUEUE_NAMES.notify,
    onFailureRecord({ functionArn: notifyLive, event: meshEvent, condition: 'EventAgeExceeded' }),
  );
});
afterAll(() => new Promise((resolve) => lambda.close(resolve)));

describe('gen3d redrive --aws', () => {
  it('lists the records on a dry run and sends nothing', async () => {
    const listed = await gen3d('--dry-run');

    expect(invocations).toEqual([]);
    expect(listed.stdout).toContain(
      'dry run: 2 on-failure records would be sent through the pipeline again (nothing sent)',
    );
    expect(listed.stdout).toContain(`  Gen3DExtractLambda-Failures: 1 (${jobIdFor(upload)})`);
    expect(listed.stdout).toContain('  Gen3DNotifyLambda-Failures: 1 (users/op1/output/my chair.ply)');
    expect(await messagesIn(FAILURE_QUEUE_NAMES.extract)).toEqual({ visible: 2, hidden: 0 });
    expect(await messagesIn(FAILURE_QUEUE_NAMES.notify)).toEqual({ visible: 1, hidden: 0 });
  });

  it('invokes each record’s event on the alias it names, empties the queues, and leaves what it cannot read', async () => {
    const redriven = await gen3d('--json');

    expect(invocations).toEqual([
      { functionName: extractLive, invocationType: 'Event', payload: uploadEvent },
      { functionName: notifyLive, invocationType: 'Event', payload: meshEvent },
    ]);
    expect(redriven.code).toBe(1); // a message was left
    const report = JSON.parse(redriven.stdout) as Record<string, unknown>;
    expect(report).toEqual({
      moved: 2,
      jobs: [jobIdFor(upload)],
      queues: [
        {
          queue: 'Gen3DExtractLambda-Failures',
          moved: 1,
          found: 1,
          jobs: [jobIdFor(upload)],
          keys: [],
          left: [{ messageId: expect.any(String), reason: 'not JSON' }],
        },
        {
          queue: 'Gen3DNotifyLambda-Failures',
          moved: 1,
          found: 1,
          jobs: [],
          keys: ['users/op1/output/my chair.ply'],
          left: [],
        },
      ],
    });
    expect(await messagesIn(FAILURE_QUEUE_NAMES.notify)).toEqual({ visible: 0, hidden: 0 });
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrls[FAILURE_QUEUE_NAMES.extract],
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(['Task timed out after 30.00 seconds']);
  });

  it('finds every queue before it sends anything, and says which one is missing', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrls[FAILURE_QUEUE_NAMES.notify],
        MessageBody: JSON.stringify(onFailureRecord({ functionArn: notifyLive, event: meshEvent })),
      }),
    );
    const sent = invocations.length;

    const missing = await gen3d(
      '--queue',
      'Gen3DNotifyLambda-Failures',
      '--queue',
      'Sandbox-Gen3DExtractLambda-Failures',
    );

    expect(invocations).toHaveLength(sent);
    expect(await messagesIn(FAILURE_QUEUE_NAMES.notify)).toEqual({ visible: 1, hidden: 0 });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'gen3d: no queue Sandbox-Gen3DExtractLambda-Failures with this AWS configuration ' +
        "(the sandbox's are Sandbox-…: --queue NAME). Nothing was sent.\n",
    );
  });
});
