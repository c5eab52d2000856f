import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventInvoker, FailureQueue, QueuedMessage } from './failure-queues';

/** How long a received message stays hidden: longer than a batch takes; what is left is released at the end anyway. */
const HIDDEN_SECONDS = 300;

/** The SDK clients of a redrive, with the usual AWS configuration (AWS_REGION, else us-east-1, as the S3 client). */
export function failureQueueClients(): { sqs: SQSClient; lambda: LambdaClient } {
  const config = { region: process.env['AWS_REGION'] ?? 'us-east-1', maxAttempts: 4 };
  return { sqs: new SQSClient(config), lambda: new LambdaClient(config) };
}

/** An on-failure queue by name. @throws the SDK's QueueDoesNotExist when there is no such queue. */
export async function openFailureQueue(sqs: SQSClient, name: string): Promise<FailureQueue> {
  const { QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!url) throw new Error(`GetQueueUrl gave no URL for ${name}`);
  return {
    name,
    account: /amazonaws\.com\/(\d{12})\//.exec(url)?.[1] ?? /\/(\d{12})\/[^/]+$/.exec(url)?.[1],
    async receive() {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: HIDDEN_SECONDS,
          WaitTimeSeconds: 0,
        }),
      );
      return (Messages ?? []).flatMap((m): QueuedMessage[] =>
        m.MessageId && m.ReceiptHandle
          ? [{ messageId: m.MessageId, body: m.Body ?? '', receiptHandle: m.ReceiptHandle }]
          : [],
      );
    },
    async delete(message) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.receiptHandle }));
    },
    async release(message) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    },
  };
}

/** Lambda's asynchronous Invoke: accepted (202) means queued for the function, which is all Lambda's own retry does. */
export function lambdaEventInvoker(lambda: LambdaClient): EventInvoker {
  return {
    async invoke(functionArn, payload) {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: functionArn,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      if (answer.StatusCode !== 202) throw new Error(`Invoke answered ${answer.StatusCode}, not 202`);
    },
  };
}
