import { getJson, PreconditionFailedError, putJson, type ObjectStore } from './object-store';

/** What every lock document holds: when the attempt holding it started. */
export interface LockDocument {
  readonly startedAt: string;
}

/** Another attempt holds the lock and may still be working: retry later rather than drop the work. */
export class LockBusyError extends Error {
  override readonly name = 'LockBusyError';
}

export type LockResult<T extends LockDocument> =
  | { readonly acquired: true; readonly eTag: string | undefined; readonly previous: T | undefined }
  | { readonly acquired: false; readonly held: T };

/**
 * A lock as one S3 object, written with `If-None-Match: *` (no database). The holder records its progress in it with
 * `updateLock`. A second attempt gets `acquired: false` once the work is finished, `LockBusyError` while a holder may
 * still be alive, and takes the lock over (`If-Match`) when the holder is older than `staleMs` (it died: a function
 * that times out cannot hold a lock longer), getting the previous document to resume from.
 *
 * @example const lock = await acquireLock(store, bucket, key, { startedAt, state: 'starting' }, { staleMs, now, isFinished });
 */
export async function acquireLock<T extends LockDocument>(
  store: ObjectStore,
  bucket: string,
  key: string,
  fresh: T,
  options: { readonly staleMs: number; readonly now: Date; readonly isFinished: (held: T) => boolean },
): Promise<LockResult<T>> {
  try {
    return {
      acquired: true,
      eTag: await putJson(store, bucket, key, fresh, { ifNoneMatch: '*' }),
      previous: undefined,
    };
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  const info = await store.head(bucket, key);
  if (!info) throw new LockBusyError(`${key} is changing hands`);
  const held = (await getJson(store, bucket, key, 64 * 1024)) as T;
  if (options.isFinished(held)) return { acquired: false, held };
  const age = options.now.getTime() - Date.parse(held.startedAt);
  if (age < options.staleMs)
    throw new LockBusyError(`${key} is held by an attempt started ${Math.round(age / 1000)} s ago`);
  try {
    return {
      acquired: true,
      eTag: await putJson(store, bucket, key, fresh, { ifMatch: info.eTag as string }),
      previous: held,
    };
  } catch (error) {
    if (error instanceof PreconditionFailedError) throw new LockBusyError(`${key} was just taken over`);
    throw error;
  }
}

/** Records the holder's progress in its lock; returns the new ETag for the next update. */
export async function updateLock<T extends LockDocument>(
  store: ObjectStore,
  bucket: string,
  key: string,
  document: T,
  eTag: string | undefined,
): Promise<string | undefined> {
  return putJson(store, bucket, key, document, eTag ? { ifMatch: eTag } : {});
}
