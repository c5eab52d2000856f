import type { S3EventNotification } from '@gen3d/events/testing';

/**
 * The record Lambda sends to an on-failure destination after the last retry of an asynchronous event, shaped as
 * Lambda writes it (docs: "Capturing records of Lambda asynchronous invocations"): an Unhandled error (a timeout).
 *
 * @example onFailureRecord({ functionArn: `${arn}:live`, event: s3CreatedEvent([{ bucket, key }]) })
 */
export function onFailureRecord(spec: {
  readonly functionArn: string;
  readonly event: S3EventNotification;
  readonly condition?: 'RetriesExhausted' | 'EventAgeExceeded';
}) {
  const requestId = '3f2b9c1e-7d4a-4e8b-9a61-0c5d2e8f7a13';
  return {
    version: '1.0',
    timestamp: '2026-12-06T21:14:05.568Z',
    requestContext: {
      requestId,
      functionArn: spec.functionArn,
      condition: spec.condition ?? 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: spec.event,
    responseContext: { statusCode: 200, executedVersion: '7', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after 30.00 seconds`,
    },
  };
}
