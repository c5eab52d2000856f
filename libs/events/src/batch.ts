import type { CreatedObject } from './s3-event';

/**
 * Thrown by a Lambda handler after the whole batch ran, when some records failed transiently: Lambda retries the
 * event, and the records that succeeded are recognised as duplicates then. The message names error types only:
 * AWS error messages can quote email addresses, and Lambda logs what a handler throws verbatim.
 */
export class RetryableBatchError extends Error {
  override readonly name = 'RetryableBatchError';

  constructor(
    readonly failures: readonly Error[],
    readonly total: number,
  ) {
    const names = [...new Set(failures.map((e) => e.name))].join(', ');
    super(`${failures.length} of ${total} records failed (${names}); see the logs`);
  }
}

/** Runs `handle` on every item concurrently; one failing item never stops the others. */
export async function settleEach<T>(
  items: readonly unknown[],
  handle: (item: unknown) => Promise<T>,
): Promise<{ outcomes: T[]; failures: Error[] }> {
  const settled = await Promise.allSettled(items.map((item) => handle(item)));
  return {
    outcomes: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    failures: settled.flatMap((s) => (s.status === 'rejected' ? [asError(s.reason)] : [])),
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** S3 sends `{ "Event": "s3:TestEvent", ... }` (no Records) when a notification is first configured. */
export function isS3TestEvent(event: unknown): boolean {
  return (
    typeof event === 'object' && event !== null && (event as { Event?: unknown }).Event === 's3:TestEvent'
  );
}

/** One object version: two records with the same identity in a batch are the same upload delivered twice. */
export function objectIdentity(object: CreatedObject): string {
  return [object.bucket, object.key, object.versionId ?? '', object.eTag ?? ''].join('\n');
}
