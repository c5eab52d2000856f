import { parseCreatedObject } from '@gen3d/events';
import { jobStartedBy } from '@gen3d/jobs';
import { z } from 'zod';

/**
 * The record Lambda sends to a function's on-failure destination when it gives up on an asynchronous event
 * (after its retries, or when the event grew too old): which function and why (`requestContext`), the event itself
 * (`requestPayload`), and the last answer (`responseContext`, `responsePayload`).
 *
 * @example
 * { "version": "1.0", "timestamp": "2026-12-06T10:00:00.000Z",
 *   "requestContext": { "requestId": "…", "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:Gen3DExtractLambda:live",
 *                       "condition": "RetriesExhausted", "approximateInvokeCount": 3 },
 *   "requestPayload": { "Records": [ … the S3 event … ] },
 *   "responseContext": { "statusCode": 200, "executedVersion": "7", "functionError": "Unhandled" },
 *   "responsePayload": { "errorType": "TimeoutError", "errorMessage": "…" } }
 */
const FailureRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string().optional(),
    /** The function's ARN, with the qualifier (alias or version) that was invoked, if any. */
    functionArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/,
      ),
    condition: z.string(),
    approximateInvokeCount: z.number().int().nonnegative(),
  }),
  requestPayload: z.object({ Records: z.array(z.unknown()).min(1) }).passthrough(),
  responseContext: z.object({ functionError: z.string().optional() }).passthrough().optional(),
  responsePayload: z.unknown().optional(),
});

/** What redrive needs of one on-failure record. */
export interface FailureRecord {
  /** Invoked again as it is: an alias ARN (`…:live`) stays the alias, so the event goes where S3 sent it. */
  readonly functionArn: string;
  /** Why Lambda gave up: `RetriesExhausted` or `EventAgeExceeded`. */
  readonly condition: string;
  readonly approximateInvokeCount: number;
  /** The S3 event, as the function was given it. */
  readonly requestPayload: unknown;
  /** The job ids the event starts (an upload: derived as extract derives them). */
  readonly jobs: readonly string[];
  /** The keys of the event's other objects (a finished mesh, a failure document): they name the object, not a job. */
  readonly keys: readonly string[];
}

/** A message of an on-failure queue that redrive cannot send again: it stays in the queue. */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
}

/**
 * Reads one message body of an on-failure queue.
 *
 * @throws UnreadableRecordError when it is not JSON, not an on-failure record, or its event is not an S3 event.
 */
export function parseFailureRecord(body: string): FailureRecord {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UnreadableRecordError('not JSON');
  }
  const parsed = FailureRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnreadableRecordError(
      `not an on-failure record of an S3 event (${issue?.path.join('.') || 'record'}: ${issue?.message})`,
    );
  }
  const { requestContext, requestPayload } = parsed.data;
  return {
    functionArn: requestContext.functionArn,
    condition: requestContext.condition,
    approximateInvokeCount: requestContext.approximateInvokeCount,
    requestPayload,
    ...namedIn(requestPayload.Records),
  };
}

/** The jobs and keys an S3 event's records name. @throws UnreadableRecordError for a record that is not S3's. */
function namedIn(records: readonly unknown[]): { jobs: string[]; keys: string[] } {
  const jobs: string[] = [];
  const keys: string[] = [];
  for (const record of records) {
    let object: ReturnType<typeof parseCreatedObject>;
    try {
      object = parseCreatedObject(record);
    } catch (error) {
      throw new UnreadableRecordError(
        `its event is not an S3 object-created event: ${(error as Error).message}`,
      );
    }
    const job = jobStartedBy(object);
    if (job) jobs.push(job);
    else keys.push(object.key);
  }
  return { jobs, keys };
}
