import { jsonParserFor } from '@gen3d/events';
import type { AddressRecord } from '@gen3d/jobs';
import { PreconditionFailedError, type BucketStore } from '@gen3d/object-store';
import { buildApiUserKey } from '@gen3d/s3-keys';
import { z } from 'zod';
import { BusyError } from './errors';

const isoTime = z.iso.datetime({ offset: true });

/** api/users/{userId}.json: a browser's user, and the uploads it was granted recently (for the active-job quota). */
export const UserRecordSchema = z.object({
  version: z.literal(1),
  createdAt: isoTime,
  grants: z.array(z.object({ name: z.string(), grantedAt: isoTime })),
});
export type UserRecord = z.output<typeof UserRecordSchema>;

export const parseUserRecordJson = jsonParserFor('user record', UserRecordSchema);

export const emptyAddressRecord = (): AddressRecord => ({
  version: 1,
  confirmationsSent: [],
  uploadsPerDay: {},
});

/** Reads a JSON document, or undefined when there is none. */
export async function readDocument<T>(
  data: BucketStore,
  key: string,
  parse: (text: string) => T,
): Promise<{ value: T; eTag: string | undefined } | undefined> {
  const info = await data.head(key);
  if (!info) return undefined;
  return { value: parse(await data.getText(key, { maxBytes: 256 * 1024 })), eTag: info.eTag };
}

const MAX_CAS_ATTEMPTS = 8;

/**
 * Read-modify-write of one JSON document with compare-and-swap (If-Match, or If-None-Match for a new one), so that
 * concurrent requests (two tabs, two Lambda instances) never lose an update. `change` may throw to refuse.
 */
export async function updateDocument<T>(
  data: BucketStore,
  key: string,
  parse: (text: string) => T,
  initial: () => T,
  change: (current: T) => T,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
    const current = await readDocument(data, key, parse);
    const next = change(current ? current.value : initial());
    try {
      await data.putJson(
        key,
        next,
        current?.eTag !== undefined ? { ifMatch: current.eTag } : { ifNoneMatch: '*' },
      );
      return next;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new BusyError('busy', `${key} kept changing under concurrent writers; try again`);
}

export const userKeyOf = (userId: string): string => buildApiUserKey(userId);
