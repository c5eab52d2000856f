import { createHash } from 'node:crypto';
import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import { PreconditionFailedError, type BucketStore } from '@gen3d/object-store';
import { buildAddressKey, buildApiUserKey } from '@gen3d/s3-keys';
import { z } from 'zod';
import { BusyError } from './errors';

const isoTime = z.iso.datetime({ offset: true });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** api/addresses/{sha256}.json: one email address (never stored in clear: its hash names the document). */
export const AddressRecordSchema = z.object({
  version: z.literal(1),
  /** Set once the owner of the address followed the confirmation link. */
  confirmedAt: isoTime.optional(),
  /** When confirmation emails went out (the recent ones), to limit them. */
  confirmationsSent: z.array(isoTime),
  /** Uploads granted per UTC day (the last few days only). */
  uploadsPerDay: z.record(day, z.number().int().nonnegative()),
});
export type AddressRecord = z.output<typeof AddressRecordSchema>;

/** api/users/{userId}.json: a browser's user, and the uploads it was granted recently (for the active-job quota). */
export const UserRecordSchema = z.object({
  version: z.literal(1),
  createdAt: isoTime,
  grants: z.array(z.object({ name: z.string(), grantedAt: isoTime })),
});
export type UserRecord = z.output<typeof UserRecordSchema>;

export const parseAddressRecordJson = jsonParserFor('address record', AddressRecordSchema);
export const parseUserRecordJson = jsonParserFor('user record', UserRecordSchema);

/** The form of an address used for its identity (hash, caps): trimmed and lower-cased. */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

export function addressKeyOf(address: string): string {
  return buildAddressKey(createHash('sha256').update(normaliseAddress(address)).digest('hex'));
}

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

/**
 * Whether results may be emailed to this address: its owner confirmed it once (through the API's confirmation
 * link). The notify handler asks this before sending results of an upload that came through the public API.
 */
export async function isAddressConfirmed(data: BucketStore, address: string): Promise<boolean> {
  try {
    const record = await readDocument(data, addressKeyOf(address), parseAddressRecordJson);
    return record?.value.confirmedAt !== undefined;
  } catch (error) {
    if (error instanceof DocumentParseError) return false;
    throw error;
  }
}

export const userKeyOf = (userId: string): string => buildApiUserKey(userId);
