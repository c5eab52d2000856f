import type { BucketStore } from './bucket-store';
import { LockBusyError, PreconditionFailedError } from './errors';

/**
 * What every lock document holds: when the attempt holding it started, and when it expires — the holder's real
 * deadline (a Lambda's `context.getRemainingTimeInMillis()`), after which it cannot be working any more.
 */
export interface LockDocument {
  readonly startedAt: string;
  readonly expiresAt: string;
}

export type LockResult<T extends LockDocument> =
  | { readonly acquired: true; readonly eTag: string | undefined; readonly previous: T | undefined }
  | { readonly acquired: false; readonly held: T };

const MAX_LOCK_BYTES = 64 * 1024;

/**
 * A lock as one object, written with `If-None-Match: *` (no database). The holder records its progress in it with
 * `updateLock`. A second attempt gets `acquired: false` once the work is finished, `LockBusyError` while the holder's
 * deadline (`expiresAt`) has not passed, and takes the lock over (`If-Match`) after it, getting the previous document
 * to resume from. Deadlines, not constants: as Powertools idempotency does, a lock lives exactly as long as the
 * invocation holding it can.
 *
 * @example const lock = await acquireLock(data, key, { startedAt, expiresAt, state: 'starting' }, { now, isFinished });
 */
export async function acquireLock<T extends LockDocument>(
  store: BucketStore,
  key: string,
  fresh: T,
  options: { readonly now: Date; readonly isFinished: (held: T) => boolean },
): Promise<LockResult<T>> {
  try {
    const { eTag } = await store.putJson(key, fresh, { ifNoneMatch: '*' });
    return { acquired: true, eTag, previous: undefined };
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  const info = await store.head(key);
  if (!info) throw new LockBusyError(`${key} is changing hands`);
  const held = JSON.parse(await store.getText(key, { maxBytes: MAX_LOCK_BYTES })) as T;
  if (options.isFinished(held)) return { acquired: false, held };
  const expiresAt = Date.parse(held.expiresAt);
  // A document without a readable deadline (an older format) counts as expired: its holder cannot be recognised.
  if (Number.isFinite(expiresAt) && options.now.getTime() < expiresAt) {
    throw new LockBusyError(
      `${key} is held by an attempt that may work until ${new Date(expiresAt).toISOString()}`,
    );
  }
  try {
    const { eTag } = await store.putJson(key, fresh, { ifMatch: info.eTag as string });
    return { acquired: true, eTag, previous: held };
  } catch (error) {
    if (error instanceof PreconditionFailedError)
      throw new LockBusyError(`${key} was just taken over`, { cause: error });
    throw error;
  }
}

/** Records the holder's progress in its lock; returns the new ETag for the next update. */
export async function updateLock<T extends LockDocument>(
  store: BucketStore,
  key: string,
  document: T,
  eTag: string | undefined,
): Promise<string | undefined> {
  return (await store.putJson(key, document, eTag ? { ifMatch: eTag } : {})).eTag;
}

/**
 * The deadline of a lock taken now by an invocation with `remainingMs` left: the holder cannot outlive it, plus a
 * small margin for clock skew between the holder and the next attempt.
 */
export function lockDeadline(now: Date, remainingMs: number, skewMs = 2000): Date {
  return new Date(now.getTime() + Math.max(0, remainingMs) + skewMs);
}
