import { createHash } from 'node:crypto';
import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import { PreconditionFailedError, type BucketStore } from '@gen3d/object-store';
import { buildAddressKey } from '@gen3d/s3-keys';
import { z } from 'zod';

/**
 * What the notify core shares with the web API (libs/api): which addresses may receive results, and the email's
 * link into the web app. Here rather than in libs/api because the API builds on this library, not the reverse.
 */

const isoTime = z.iso.datetime({ offset: true });

/**
 * A job result whose email waits for the address's confirmation: the object that notified (the mesh, or the failure
 * document), from which the release plans the very same notification.
 */
export const HeldResultSchema = z.object({
  jobId: z.string(),
  key: z.string(),
  versionId: z.string().optional(),
  heldAt: isoTime,
});
export type HeldResult = z.output<typeof HeldResultSchema>;

/** Held results kept per address (the newest): 5 days of the default daily cap. */
export const MAX_HELD_RESULTS = 100;

/** api/addresses/{sha256}.json: one email address (never stored in clear: its hash names the document). */
export const AddressRecordSchema = z.object({
  version: z.literal(1),
  /** Set once the owner of the address followed the confirmation link. */
  confirmedAt: isoTime.optional(),
  /** When confirmation emails went out (the recent ones), to limit them. */
  confirmationsSent: z.array(isoTime),
  /** Uploads granted per UTC day (the last few days only). */
  uploadsPerDay: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().int().nonnegative()),
  /** Results finished before the confirmation: POST /confirm emails them (releaseHeldResults). */
  held: z.array(HeldResultSchema).optional(),
});
export type AddressRecord = z.output<typeof AddressRecordSchema>;
export const parseAddressRecordJson = jsonParserFor('address record', AddressRecordSchema);

/** The form of an address used for its identity (hash, caps): trimmed and lower-cased. */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** @example addressKeyOf('Ann@Example.com ') === addressKeyOf('ann@example.com') */
export function addressKeyOf(address: string): string {
  return buildAddressKey(createHash('sha256').update(normaliseAddress(address)).digest('hex'));
}

/**
 * Whether results may be emailed to this address: its owner confirmed it once, through the web API's
 * confirmation link. An unreadable record counts as unconfirmed.
 */
export async function isAddressConfirmed(data: BucketStore, address: string): Promise<boolean> {
  const key = addressKeyOf(address);
  if (!(await data.head(key))) return false;
  try {
    return (
      parseAddressRecordJson(await data.getText(key, { maxBytes: 256 * 1024 })).confirmedAt !== undefined
    );
  } catch (error) {
    if (error instanceof DocumentParseError) return false;
    throw error;
  }
}

/**
 * The email's link to one job in the web app (a capability URL: the job id and the upload's access token, in the
 * fragment, which browsers never send to servers). The web app asks the API for a fresh download link, so the email
 * works as long as the data is kept.
 */
export function jobLink(webUrl: string, jobId: string, accessToken: string): string {
  return `${webUrl}#job=${encodeURIComponent(jobId)}&access=${encodeURIComponent(accessToken)}`;
}

const MAX_ADDRESS_RECORD_BYTES = 256 * 1024;
const MAX_CAS_ATTEMPTS = 8;

/** The address's record, or undefined when there is none. @throws DocumentParseError when it is unreadable. */
export async function readAddressRecord(
  data: BucketStore,
  address: string,
): Promise<AddressRecord | undefined> {
  const key = addressKeyOf(address);
  if (!(await data.head(key))) return undefined;
  return parseAddressRecordJson(await data.getText(key, { maxBytes: MAX_ADDRESS_RECORD_BYTES }));
}

/**
 * Read-modify-write of the address's record with compare-and-swap (`change` returns undefined to write nothing), so
 * that a hold and a confirmation never miss each other: whichever writes second sees the first.
 */
async function changeAddressRecord(
  data: BucketStore,
  address: string,
  change: (current: AddressRecord | undefined) => AddressRecord | undefined,
): Promise<AddressRecord | undefined> {
  const key = addressKeyOf(address);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
    const info = await data.head(key);
    let current: AddressRecord | undefined;
    if (info) {
      try {
        current = parseAddressRecordJson(await data.getText(key, { maxBytes: MAX_ADDRESS_RECORD_BYTES }));
      } catch (error) {
        // Unreadable: counts as unconfirmed, and is replaced rather than left to block every hold.
        if (!(error instanceof DocumentParseError)) throw error;
      }
    }
    const next = change(current);
    if (next === undefined) return current;
    try {
      await data.putJson(key, next, info?.eTag !== undefined ? { ifMatch: info.eTag } : { ifNoneMatch: '*' });
      return next;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new Error(`${key} kept changing under concurrent writers`);
}

/**
 * Lists a result in the address's record unless the address is confirmed (compare-and-swap: a confirmation written
 * meanwhile is seen). 'confirmed': send it now instead. Listing the same result twice keeps one entry.
 */
export async function holdResult(
  data: BucketStore,
  address: string,
  entry: HeldResult,
): Promise<'held' | 'confirmed'> {
  let confirmed = false;
  await changeAddressRecord(data, address, (current) => {
    confirmed = current?.confirmedAt !== undefined;
    if (confirmed) return undefined;
    const held = current?.held ?? [];
    if (held.some((h) => sameObject(h, entry))) return undefined;
    return {
      version: 1,
      confirmationsSent: current?.confirmationsSent ?? [],
      uploadsPerDay: current?.uploadsPerDay ?? {},
      held: [...held, entry].slice(-MAX_HELD_RESULTS),
    };
  });
  return confirmed ? 'confirmed' : 'held';
}

/** Takes results off the address's held list (they were sent, or are gone). */
export async function forgetHeldResults(
  data: BucketStore,
  address: string,
  results: readonly { readonly key: string; readonly versionId: string | undefined }[],
): Promise<void> {
  await changeAddressRecord(data, address, (current) => {
    if (!current?.held?.some((h) => results.some((r) => sameObject(h, r)))) return undefined;
    return { ...current, held: current.held.filter((h) => !results.some((r) => sameObject(h, r))) };
  });
}

function sameObject(
  a: { readonly key: string; readonly versionId?: string | undefined },
  b: { readonly key: string; readonly versionId?: string | undefined },
): boolean {
  return a.key === b.key && a.versionId === b.versionId;
}
