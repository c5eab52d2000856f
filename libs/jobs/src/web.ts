import { createHash } from 'node:crypto';
import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import { compareAndSwap, ObjectTooLargeError, type BucketStore } from '@gen3d/object-store';
import { buildAddressKey } from '@gen3d/s3-keys';
import { z } from 'zod';
import { AddressRecordFullError } from './errors';

/**
 * What the pipeline shares with the web API (libs/api) about email addresses: who may receive results, the caps
 * counted per mailbox, the results held until a confirmation, and the email's link into the web app. Here rather
 * than in libs/api because the API builds on this library, not the reverse. The trust model is decision 0025.
 */

const isoTime = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A job result whose email waits for a confirmation of its address by its own session: the object that notified
 * (the mesh, or the failure document), from which the release plans the very same notification.
 */
export const HeldResultSchema = z.object({
  jobId: z.string(),
  key: z.string(),
  versionId: z.string().optional(),
  heldAt: isoTime,
  /** The session (user id) that uploaded: only a confirmation by that session releases it. */
  userId: z.string(),
  /** The exact address it goes to (SHA-256 of its normalised form): a mailbox may have several spellings. */
  address: sha256Hex,
});
export type HeldResult = z.output<typeof HeldResultSchema>;

/**
 * Held results kept per session and mailbox (the newest): a session's results only ever push out its own (decision
 * 0024). All sessions together are kept under the record's size limit too (fitted): past it, the largest sessions
 * not confirmed for their address lose their oldest first.
 */
export const MAX_HELD_RESULTS = 50;
/**
 * A held result is kept seven days from when it was held or from its session's latest confirmation email to its
 * address, whichever is later: as long as a link that can release it works (libs/api CONFIRMATION_VALID_SECONDS).
 */
const HELD_FOR_MS = 7 * 24 * 3600 * 1000;
/** Confirmed sessions kept per mailbox (the newest). */
const MAX_CONFIRMATIONS = 50;
const DAY_MS = 24 * 3600 * 1000;

const AcceptedPerDaySchema = z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.array(z.string()));
type AcceptedPerDay = z.output<typeof AcceptedPerDaySchema>;

/** One session's confirmation: the owner of `address` followed the link sent for that session's upload. */
const ConfirmationSchema = z.object({ userId: z.string(), address: sha256Hex, at: isoTime });
/** One confirmation email that went out: for which session, to which exact address. */
const SendSchema = z.object({ userId: z.string(), address: sha256Hex, at: isoTime });

/**
 * api/addresses/{sha256(mailbox)}.json: one mailbox (never stored in clear: a hash names the document). Version 2
 * binds confirmations to sessions; a version-1 record (confirmed for anyone) reads as unreadable and is replaced.
 */
export const AddressRecordSchema = z.object({
  version: z.literal(2),
  /** The sessions whose results this mailbox accepts, each for the exact address it confirmed. */
  confirmations: z.array(ConfirmationSchema),
  /** Confirmation emails sent to the mailbox (the last day), for the per-mailbox budget. */
  sends: z.array(SendSchema),
  /** Web uploads of sessions confirmed for the mailbox, accepted by extract per UTC day (job ids): the daily cap. */
  acceptedPerDay: AcceptedPerDaySchema,
  /**
   * Web uploads of sessions not confirmed for it, per session (user id): each session its own daily cap, so that a
   * stranger naming the address never uses up its owner's (decision 0023).
   */
  unconfirmedPerDay: z.record(z.string(), AcceptedPerDaySchema).optional(),
  /** Results finished before their session's confirmation: POST /confirm emails them (releaseHeldResults). */
  held: z.array(HeldResultSchema),
});
export type AddressRecord = z.output<typeof AddressRecordSchema>;
export const parseAddressRecordJson = jsonParserFor('address record', AddressRecordSchema);

export const emptyAddressRecord = (): AddressRecord => ({
  version: 2,
  confirmations: [],
  sends: [],
  acceptedPerDay: {},
  held: [],
});

/** The exact form of an address (where mail goes): trimmed and lower-cased. */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The mailbox an address reaches, for budgets and caps: plus-tags and dots in the local part are dropped, as the
 * large providers ignore them, so `a.n.n+1@x` and `ann+2@x` count as one. Never used to decide who receives mail.
 *
 * @example mailboxOf('A.nn+promo@Example.com') === 'ann@example.com'
 */
export function mailboxOf(address: string): string {
  const normalised = normaliseAddress(address);
  const at = normalised.lastIndexOf('@');
  if (at < 0) return normalised;
  const local = (normalised.slice(0, at).split('+')[0] ?? '').replace(/\./g, '');
  const domain = normalised.slice(at + 1) === 'googlemail.com' ? 'gmail.com' : normalised.slice(at + 1);
  return `${local || normalised.slice(0, at)}@${domain}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hash that identifies an exact address in records (a confirmation is for the spelling that was confirmed). */
export const addressHashOf = (address: string): string => sha256(normaliseAddress(address));

/** @example addressKeyOf('Ann+x@Example.com ') === addressKeyOf('ann@example.com') */
export function addressKeyOf(address: string): string {
  return buildAddressKey(sha256(mailboxOf(address)));
}

/** Whether the mailbox's record confirms `address` for results of session `userId`. */
export function confirmsFor(record: AddressRecord | undefined, address: string, userId: string): boolean {
  const hash = addressHashOf(address);
  return record?.confirmations.some((c) => c.userId === userId && c.address === hash) ?? false;
}

/**
 * Web uploads the extract function accepted on one UTC day that count against the cap of session `userId` naming
 * `address`: confirmed for it, the mailbox's (its confirmed sessions') and its own from before it confirmed; not
 * confirmed, its own only.
 */
export function acceptedOn(
  record: AddressRecord | undefined,
  day: string,
  by: { readonly address: string; readonly userId: string },
): number {
  const own = record?.unconfirmedPerDay?.[by.userId]?.[day]?.length ?? 0;
  return confirmsFor(record, by.address, by.userId) ? (record?.acceptedPerDay[day]?.length ?? 0) + own : own;
}

/**
 * The mailbox's record, or undefined when there is none; an unreadable (or version-1, or oversized) record reads as
 * none: no session is confirmed, nothing is held, and the next change replaces it.
 */
export async function readAddressRecord(
  data: BucketStore,
  address: string,
): Promise<AddressRecord | undefined> {
  const key = addressKeyOf(address);
  if (!(await data.head(key))) return undefined;
  try {
    return parseAddressRecordJson(await data.getText(key, { maxBytes: MAX_ADDRESS_RECORD_BYTES }));
  } catch (error) {
    if (error instanceof DocumentParseError || error instanceof ObjectTooLargeError) return undefined;
    throw error;
  }
}

/**
 * Whether results of session `userId` may be emailed to `address`: its owner confirmed it for that session, through
 * the link the web API sent when that session first named it.
 */
export async function isAddressConfirmed(
  data: BucketStore,
  address: string,
  userId: string,
): Promise<boolean> {
  return confirmsFor(await readAddressRecord(data, address), address, userId);
}

/**
 * The email's link to one job in the web app (a capability URL: the job id and the upload's access token, in the
 * fragment, which browsers never send to servers). The web app asks the API for a fresh download link, so the email
 * works as long as the data is kept.
 */
export function jobLink(webUrl: string, jobId: string, accessToken: string): string {
  return `${webUrl}#job=${encodeURIComponent(jobId)}&access=${encodeURIComponent(accessToken)}`;
}

/** The most an address record may weigh (bytes of its JSON): reads refuse more, writes keep under it. */
export const MAX_ADDRESS_RECORD_BYTES = 256 * 1024;

/**
 * Read-modify-write of the mailbox's record with compare-and-swap (`change` returns undefined to write nothing; it
 * may throw to refuse), so that a hold, a confirmation and a count never miss each other. What is written fits
 * MAX_ADDRESS_RECORD_BYTES (fitted). An unreadable or oversized record is replaced rather than left to block
 * every hold.
 */
export async function changeAddressRecord(
  data: BucketStore,
  address: string,
  change: (current: AddressRecord) => AddressRecord | undefined,
): Promise<AddressRecord> {
  const fittedChange = (current: AddressRecord) => {
    const next = change(current);
    return next === undefined ? undefined : fitted(next);
  };
  const { value } = await compareAndSwap(data, addressKeyOf(address), fittedChange, {
    parse: parseAddressRecordJson,
    unreadable: [DocumentParseError, ObjectTooLargeError],
    initial: emptyAddressRecord,
    maxBytes: MAX_ADDRESS_RECORD_BYTES,
  });
  return value;
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The record cut to MAX_ADDRESS_RECORD_BYTES of JSON: held results of sessions not confirmed for their address go,
 * each time the oldest of the session whose held results weigh most, so that many sessions (a stranger's) wear each
 * other down and a session with few (the owner's) keeps them. A confirmed session's held result is never dropped
 * (its release is under way); should the record still not fit, nothing is written (AddressRecordFullError).
 */
function fitted(record: AddressRecord): AddressRecord {
  let excess = jsonBytes(record) - MAX_ADDRESS_RECORD_BYTES;
  if (excess <= 0) return record;
  const confirmed = (h: HeldResult) =>
    record.confirmations.some((c) => c.userId === h.userId && c.address === h.address);
  const sessions = new Map<string, { entries: HeldResult[]; bytes: number }>();
  for (const entry of [...record.held].sort((a, b) => Date.parse(a.heldAt) - Date.parse(b.heldAt))) {
    if (confirmed(entry)) continue;
    const session = sessions.get(entry.userId) ?? { entries: [], bytes: 0 };
    session.entries.push(entry);
    session.bytes += jsonBytes(entry);
    sessions.set(entry.userId, session);
  }
  const dropped = new Set<HeldResult>();
  while (excess > 0) {
    const heaviest = [...sessions.values()].reduce<{ entries: HeldResult[]; bytes: number } | undefined>(
      (most, session) => (session.entries.length > 0 && session.bytes > (most?.bytes ?? 0) ? session : most),
      undefined,
    );
    const oldest = heaviest?.entries.shift();
    if (heaviest === undefined || oldest === undefined) {
      throw new AddressRecordFullError(`an address record would be ${excess} bytes over its limit`);
    }
    const bytes = jsonBytes(oldest); // its comma not counted: the record ends at most a few bytes under
    heaviest.bytes -= bytes;
    excess -= bytes;
    dropped.add(oldest);
  }
  return { ...record, held: record.held.filter((h) => !dropped.has(h)) };
}

/** Records that session `userId` confirmed `address` (idempotent). */
export async function confirmAddress(
  data: BucketStore,
  address: string,
  userId: string,
  now: Date,
): Promise<void> {
  await changeAddressRecord(data, address, (current) => {
    if (confirmsFor(current, address, userId)) return undefined;
    const confirmation = { userId, address: addressHashOf(address), at: now.toISOString() };
    return { ...current, confirmations: [...current.confirmations, confirmation].slice(-MAX_CONFIRMATIONS) };
  });
}

/**
 * Counts one accepted web upload against the daily cap of its session for the mailbox (acceptedOn), once per job (a
 * retried event counts once): in the mailbox's count when the session is confirmed for the address, else in the
 * session's own. 'over-cap': `cap` uploads were already counted that day; nothing is counted.
 */
export async function countAcceptedUpload(
  data: BucketStore,
  address: string,
  job: { readonly jobId: string; readonly userId: string; readonly day: string; readonly cap: number },
): Promise<'accepted' | 'over-cap'> {
  let outcome: 'accepted' | 'over-cap' = 'accepted';
  await changeAddressRecord(data, address, (current) => {
    const confirmed = confirmsFor(current, address, job.userId);
    const own = current.unconfirmedPerDay?.[job.userId] ?? {};
    const counted = [...(confirmed ? (current.acceptedPerDay[job.day] ?? []) : []), ...(own[job.day] ?? [])];
    if (counted.includes(job.jobId)) return undefined;
    if (counted.length >= job.cap) {
      outcome = 'over-cap';
      return undefined;
    }
    if (confirmed) return { ...current, acceptedPerDay: withJob(current.acceptedPerDay, job) };
    const sessions = Object.entries({ ...current.unconfirmedPerDay, [job.userId]: withJob(own, job) })
      .map(([userId, days]) => [userId, recentDays(days, job.day)] as const)
      .filter(([, days]) => Object.keys(days).length > 0);
    return { ...current, unconfirmedPerDay: Object.fromEntries(sessions) };
  });
  return outcome;
}

/** The days counted, the job added to its day's, and days three or more before it dropped. */
function withJob(
  days: AcceptedPerDay,
  job: { readonly jobId: string; readonly day: string },
): AcceptedPerDay {
  return recentDays({ ...days, [job.day]: [...(days[job.day] ?? []), job.jobId] }, job.day);
}

function recentDays(days: AcceptedPerDay, today: string): AcceptedPerDay {
  const start = Date.parse(`${today}T00:00:00Z`);
  return Object.fromEntries(
    Object.entries(days).filter(([day]) => start - Date.parse(`${day}T00:00:00Z`) < 3 * DAY_MS),
  );
}

/**
 * Lists a result in the mailbox's record unless its session is confirmed for the address (compare-and-swap: a
 * confirmation written meanwhile is seen). 'confirmed': send it now instead. Listing the same result twice keeps one.
 */
export async function holdResult(
  data: BucketStore,
  address: string,
  entry: Omit<HeldResult, 'address'>,
): Promise<'held' | 'confirmed'> {
  let confirmed = false;
  await changeAddressRecord(data, address, (current) => {
    confirmed = confirmsFor(current, address, entry.userId);
    if (confirmed || current.held.some((h) => sameObject(h, entry))) return undefined;
    return { ...current, held: withHeld(current, { ...entry, address: addressHashOf(address) }) };
  });
  return confirmed ? 'confirmed' : 'held';
}

/**
 * The held list with `entry` added: its session's oldest dropped past MAX_HELD_RESULTS, and results no link can
 * release any more (HELD_FOR_MS after they were held and after their session's latest link to their address);
 * another session's results are never pushed out by it.
 */
function withHeld(record: AddressRecord, entry: HeldResult): HeldResult[] {
  const since = Date.parse(entry.heldAt) - HELD_FOR_MS;
  const lastLink = (h: HeldResult) =>
    Math.max(
      0,
      ...record.sends
        .filter((s) => s.userId === h.userId && s.address === h.address)
        .map((s) => Date.parse(s.at)),
    );
  const kept = [...record.held, entry].filter((h) => Math.max(Date.parse(h.heldAt), lastLink(h)) >= since);
  const own = kept.filter((h) => h.userId === entry.userId);
  const dropped = new Set(own.slice(0, Math.max(0, own.length - MAX_HELD_RESULTS)));
  return kept.filter((h) => !dropped.has(h));
}

/** Takes results off the mailbox's held list (they were sent, or are gone). */
export async function forgetHeldResults(
  data: BucketStore,
  address: string,
  results: readonly { readonly key: string; readonly versionId: string | undefined }[],
): Promise<void> {
  await changeAddressRecord(data, address, (current) => {
    if (!current.held.some((h) => results.some((r) => sameObject(h, r)))) return undefined;
    return { ...current, held: current.held.filter((h) => !results.some((r) => sameObject(h, r))) };
  });
}

function sameObject(
  a: { readonly key: string; readonly versionId?: string | undefined },
  b: { readonly key: string; readonly versionId?: string | undefined },
): boolean {
  return a.key === b.key && a.versionId === b.versionId;
}
