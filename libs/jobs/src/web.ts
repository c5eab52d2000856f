import { createHash } from 'node:crypto';
import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import type { BucketStore } from '@gen3d/object-store';
import { buildAddressKey } from '@gen3d/s3-keys';
import { z } from 'zod';

/**
 * What the notify core shares with the web API (libs/api): which addresses may receive results, and the email's
 * link into the web app. Here rather than in libs/api because the API builds on this library, not the reverse.
 */

const isoTime = z.iso.datetime({ offset: true });

/** api/addresses/{sha256}.json: one email address (never stored in clear: its hash names the document). */
export const AddressRecordSchema = z.object({
  version: z.literal(1),
  /** Set once the owner of the address followed the confirmation link. */
  confirmedAt: isoTime.optional(),
  /** When confirmation emails went out (the recent ones), to limit them. */
  confirmationsSent: z.array(isoTime),
  /** Uploads granted per UTC day (the last few days only). */
  uploadsPerDay: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().int().nonnegative()),
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
