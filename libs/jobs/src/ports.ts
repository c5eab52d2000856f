/**
 * The ports the handler cores are given. AWS adapters live in the apps (SageMaker, SES); the local stack passes its
 * own (a local async runner, an .eml outbox). Storage is a `BucketStore` from @gen3d/object-store.
 */

/** The time, as the core sees it: one function, so tests and the local stack can set it. */
export type Clock = () => Date;

/** One asynchronous inference to start (SageMaker `InvokeEndpointAsync`). */
export interface AsyncInvocation {
  /** `s3://bucket/users/{userId}/jobs/{jobId}/request.json`: the request document. */
  readonly inputLocation: string;
  /** The job id: SageMaker's failure records are named after it. */
  readonly inferenceId: string;
  /** How long the request may wait in SageMaker's queue. */
  readonly requestTtlSeconds: number;
  /** How long the container may work on it; set explicitly, above the container's own per-job timeout. */
  readonly invocationTimeoutSeconds: number;
}

/** Starts an asynchronous inference; resolves once it is accepted (queued), not when it is done. */
export interface AsyncInferenceInvoker {
  invokeAsync(invocation: AsyncInvocation): Promise<{ readonly outputLocation: string | undefined }>;
}

/**
 * A picture carried inside an email (a multipart/related part, RFC 2387) and shown by its HTML as `cid:{cid}`: mail
 * clients display it without loading remote content.
 */
export interface InlineImage {
  /** The Content-ID, without angle brackets (`thumbnail@gen3d`): letters, digits, `.`, `_`, `@`, `-`. */
  readonly cid: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  readonly fileName: string;
}

/** An email as the cores write it: a subject, a plain-text and an HTML body, and the pictures its HTML shows. */
export interface Email {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly inlineImages?: readonly InlineImage[];
}

export interface OutgoingEmail extends Email {
  readonly to: string;
}

/**
 * Sends one email; resolves with the provider's message id. Rejects with `PermanentMailError` when no retry can
 * change the outcome (the address or the sender is refused): the core logs it and moves on; anything else is retried.
 */
export interface Mailer {
  send(email: OutgoingEmail): Promise<string | undefined>;
}
