import type { BucketStore } from './bucket-store';
import { ObjectStoreError, PreconditionFailedError } from './errors';

/** The document kept changing under concurrent writers for every attempt: the caller may answer "busy". */
export class ContendedDocumentError extends ObjectStoreError {
  override readonly name: string = 'ContendedDocumentError';
}

type ErrorClass = new (...args: never[]) => Error;

export interface CompareAndSwapOptions<T> {
  /**
   * Parses the stored text; a throw of `unreadable` (or a subclass, or one of a list: ObjectTooLargeError for a
   * document over `maxBytes`) means "start from `initial`" and replaces it.
   */
  readonly parse: (text: string) => T;
  readonly unreadable?: ErrorClass | readonly ErrorClass[];
  /** The document when there is none (or it is unreadable). */
  readonly initial: () => T;
  readonly maxBytes?: number;
  readonly attempts?: number;
  /** Sleeps between attempts (jittered backoff); tests pass a no-op. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_ATTEMPTS = 10;

/**
 * Read-modify-write of one JSON document with compare-and-swap (If-Match, or If-None-Match for a new one), so that
 * concurrent writers (two tabs, two Lambda instances, the API and a pipeline function) never lose an update. A
 * writer that loses the race waits a random, growing time and tries again. `change` returns the new document, or
 * undefined to write nothing; it may throw to refuse.
 *
 * @example await compareAndSwap(data, key, (doc) => ({ ...doc, n: doc.n + 1 }), { parse, initial: () => ({ n: 0 }) })
 * @throws ContendedDocumentError when every attempt lost the race.
 */
export async function compareAndSwap<T>(
  data: BucketStore,
  key: string,
  change: (current: T, existed: boolean) => T | undefined,
  options: CompareAndSwapOptions<T>,
): Promise<{ value: T; written: boolean }> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (attempt > 0) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
    const info = await data.head(key);
    let current: T | undefined;
    if (info) {
      try {
        current = options.parse(await data.getText(key, { maxBytes: options.maxBytes ?? 256 * 1024 }));
      } catch (error) {
        if (![options.unreadable ?? []].flat().some((unreadable) => error instanceof unreadable)) throw error;
      }
    }
    const next = change(current ?? options.initial(), current !== undefined);
    if (next === undefined) return { value: current ?? options.initial(), written: false };
    try {
      await data.putJson(key, next, info?.eTag !== undefined ? { ifMatch: info.eTag } : { ifNoneMatch: '*' });
      return { value: next, written: true };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new ContendedDocumentError(
    `a document kept changing under concurrent writers (${attempts} attempts)`,
  );
}
