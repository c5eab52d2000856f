import type { Logger } from '@gen3d/logging';
import type { ObjectStore } from '@gen3d/object-store';
import { DurableQueue, RetryLaterError } from './durable-queue';

/** What `InvokeEndpointAsync` is given (the extract core's AsyncInvocation). */
export interface AsyncInvocation {
  readonly inputLocation: string;
  readonly inferenceId: string;
  readonly requestTtlSeconds: number;
  readonly invocationTimeoutSeconds: number;
}

interface QueuedInvocation extends AsyncInvocation {
  readonly receivedAt: string;
}

export interface LocalAsyncEndpointOptions {
  readonly queueDir: string;
  readonly store: ObjectStore;
  /** Where SageMaker writes (the endpoint's AsyncInferenceConfig): s3://{bucket}/sagemaker-output/… */
  readonly outputBucket: string;
  readonly outputPrefix: string;
  readonly failurePrefix: string;
  /** The sidecar's base URL (http://127.0.0.1:PORT); asked each time, the sidecar may restart on another port. */
  readonly sidecarUrl: () => string | undefined;
  /** MaxConcurrentInvocationsPerInstance: requests in flight to the container at once. */
  readonly concurrency: number;
  readonly log: Logger;
  readonly maxAttempts?: number;
}

const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * SageMaker asynchronous inference on this machine: `invokeEndpointAsync` stores the request in a durable queue and
 * answers at once with the OutputLocation, as the real API does. The queue then POSTs each request's payload (the
 * object at InputLocation) to the container's `/invocations` (the real sidecar process), at most `concurrency` at a
 * time and only while its `/ping` is healthy, and writes the answer to `sagemaker-output/{inferenceId}.out` or, for
 * an error answer, a timeout or an expired request, to `sagemaker-output/failures/{inferenceId}-error.out`.
 * A request in flight when the stack stops is sent again when it starts (at least once, like SageMaker).
 */
export class LocalAsyncEndpoint {
  private readonly queue: DurableQueue<QueuedInvocation>;

  constructor(private readonly options: LocalAsyncEndpointOptions) {
    this.queue = new DurableQueue<QueuedInvocation>({
      dir: options.queueDir,
      name: 'sagemaker-async',
      concurrency: options.concurrency,
      maxAttempts: options.maxAttempts ?? 5,
      backoff: { initialMs: 500, maxMs: 30_000 },
      handle: (invocation) => this.invoke(invocation),
      // SageMaker gives up on a request the container never answered by writing its failure path: the job's
      // failure email comes from there (a request only in dead/ would end in no email at all).
      onGiveUp: async (invocation, message, reason) => {
        await this.fail(
          invocation,
          `The container did not answer after ${message.attempts} attempts: ${reason}`,
        );
        options.log.warn(
          { jobId: invocation.inferenceId, reason },
          'async inference given up: failure written',
        );
      },
      log: options.log,
      pollMs: 200,
    });
  }

  get active(): number {
    return this.queue.active;
  }

  /** InvokeEndpointAsync: queued durably before it answers. */
  async invokeEndpointAsync(
    invocation: AsyncInvocation,
  ): Promise<{ outputLocation: string; failureLocation: string }> {
    await this.queue.enqueue(invocation.inferenceId, { ...invocation, receivedAt: new Date().toISOString() });
    this.options.log.info(
      { jobId: invocation.inferenceId, inputLocation: invocation.inputLocation },
      'async inference queued',
    );
    return {
      outputLocation: `s3://${this.options.outputBucket}/${this.outputKey(invocation.inferenceId)}`,
      failureLocation: `s3://${this.options.outputBucket}/${this.failureKey(invocation.inferenceId)}`,
    };
  }

  start(): Promise<void> {
    return this.queue.start();
  }

  /** Stops sending; waits up to `graceMs` for requests in flight. False when some were still running. */
  stop(graceMs: number): Promise<boolean> {
    return this.queue.stop(graceMs);
  }

  private async invoke(invocation: QueuedInvocation): Promise<void> {
    const log = this.options.log.child({ jobId: invocation.inferenceId });
    const age = Date.now() - Date.parse(invocation.receivedAt);
    if (age > invocation.requestTtlSeconds * 1000) {
      await this.fail(
        invocation,
        `Request expired: not processed within RequestTTLSeconds (${invocation.requestTtlSeconds} s)`,
      );
      log.warn({ ageMs: age }, 'async inference expired before it ran');
      return;
    }
    const base = this.options.sidecarUrl();
    if (!base || !(await isHealthy(base))) throw new RetryLaterError('the container is not healthy yet', 500);
    const { bucket, key } = parseS3Uri(invocation.inputLocation);
    const payload = await this.options.store.get(bucket, key, MAX_PAYLOAD_BYTES);
    const timeout = AbortSignal.timeout(invocation.invocationTimeoutSeconds * 1000);
    let response: Response;
    try {
      response = await fetch(`${base}/invocations`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Amzn-SageMaker-Inference-Id': invocation.inferenceId,
        },
        body: Buffer.from(payload),
        signal: timeout,
      });
    } catch (error) {
      if (timeout.aborted) {
        await this.fail(invocation, `Invocation timed out after ${invocation.invocationTimeoutSeconds} s`);
        return;
      }
      // The container went away mid-request (restarting): SageMaker retries on another attempt.
      throw new Error(`the container did not answer: ${(error as Error).message}`, { cause: error });
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 429) {
      throw new RetryLaterError(
        'the container is busy (429)',
        1000 * Number(response.headers.get('retry-after') ?? 1),
      );
    }
    if (response.ok) {
      await this.options.store.put(this.options.outputBucket, this.outputKey(invocation.inferenceId), body, {
        contentType: response.headers.get('content-type') ?? 'application/json',
      });
      log.info({ status: response.status }, 'async inference succeeded');
    } else {
      await this.fail(invocation, body, response.headers.get('content-type') ?? 'application/json');
      log.warn({ status: response.status }, 'async inference failed: failure written');
    }
  }

  private async fail(
    invocation: AsyncInvocation,
    body: Uint8Array | string,
    contentType = 'text/plain',
  ): Promise<void> {
    await this.options.store.put(this.options.outputBucket, this.failureKey(invocation.inferenceId), body, {
      contentType,
    });
  }

  private outputKey(inferenceId: string): string {
    return `${this.options.outputPrefix}${inferenceId}.out`;
  }

  private failureKey(inferenceId: string): string {
    return `${this.options.failurePrefix}${inferenceId}-error.out`;
  }
}

async function isHealthy(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// location: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}
