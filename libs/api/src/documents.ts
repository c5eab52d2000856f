import { DocumentParseError, jsonParserFor } from '@gen3d/events';
import {
  compareAndSwap,
  ContendedDocumentError,
  ObjectMissingError,
  type BucketStore,
} from '@gen3d/object-store';
import { buildApiUserKey, MAIL_BUDGET_KEY } from '@gen3d/s3-keys';
import { z } from 'zod';
import { BusyError } from './errors';

const isoTime = z.iso.datetime({ offset: true });

/**
 * api/users/{userId}.json: a browser's user (a session), the uploads it was granted recently (for the active-job
 * quota) and the mailboxes it asked confirmation emails for (the per-session budget).
 */
export const UserRecordSchema = z.object({
  version: z.literal(1),
  createdAt: isoTime,
  grants: z.array(z.object({ name: z.string(), grantedAt: isoTime })),
  /** Mailboxes (SHA-256 of the canonical form) this session had a confirmation email sent to, and when. */
  asked: z.array(z.object({ mailbox: z.string(), at: isoTime })).default([]),
});
export type UserRecord = z.output<typeof UserRecordSchema>;

export const parseUserRecordJson = jsonParserFor('user record', UserRecordSchema);

export const userKeyOf = (userId: string): string => buildApiUserKey(userId);

/**
 * The session's record, or undefined when there is none or it cannot be read: either way the browser is asked to
 * start a new session (401), never answered 500 on every request.
 */
export async function readUserRecord(data: BucketStore, userId: string): Promise<UserRecord | undefined> {
  try {
    return parseUserRecordJson(await data.getText(userKeyOf(userId), { maxBytes: 256 * 1024 }));
  } catch (error) {
    if (error instanceof ObjectMissingError || error instanceof DocumentParseError) return undefined;
    throw error;
  }
}

/**
 * Compare-and-swap of one of the API's documents (jittered retries, see compareAndSwap); `change` may throw to
 * refuse. Losing every race is a 503 that names nothing internal.
 */
export async function updateDocument<T>(
  data: BucketStore,
  key: string,
  parse: (text: string) => T,
  initial: () => T,
  change: (current: T) => T | undefined,
): Promise<T> {
  try {
    return (await compareAndSwap(data, key, change, { parse, unreadable: DocumentParseError, initial }))
      .value;
  } catch (error) {
    if (!(error instanceof ContendedDocumentError)) throw error;
    throw new BusyError('busy', 'Many requests touched the same record at once; please try again.', {
      cause: error,
    });
  }
}

/**
 * api/mail-budget.json: what all sessions together spent of the global budgets, per hour and per UTC day
 * (`{what}@{YYYY-MM-DDTHH}` and `{what}@{YYYY-MM-DD}`), the last two days kept.
 */
const BudgetSchema = z.object({
  version: z.literal(1),
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
type Budget = z.output<typeof BudgetSchema>;
const parseBudgetJson = jsonParserFor('mail budget', BudgetSchema);

export interface BudgetLimit {
  readonly what: 'confirmations' | 'sessions';
  readonly per: 'hour' | 'day';
  readonly limit: number;
}

/**
 * Spends one unit of each budget named, all or nothing: false (nothing spent) when any is used up.
 *
 * @example await spendBudget(data, [{ what: 'confirmations', per: 'hour', limit: 60 }], now) // true
 */
export async function spendBudget(
  data: BucketStore,
  limits: readonly BudgetLimit[],
  now: Date,
): Promise<boolean> {
  const iso = now.toISOString();
  const slot = (limit: BudgetLimit) =>
    `${limit.what}@${limit.per === 'hour' ? iso.slice(0, 13) : iso.slice(0, 10)}`;
  let spent = false;
  await updateDocument<Budget>(
    data,
    MAIL_BUDGET_KEY,
    parseBudgetJson,
    () => ({ version: 1, counts: {} }),
    (current) => {
      spent = limits.every((limit) => (current.counts[slot(limit)] ?? 0) < limit.limit);
      if (!spent) return undefined;
      const kept = Object.entries(current.counts).filter(
        ([name]) =>
          now.getTime() - Date.parse(name.slice(name.indexOf('@') + 1).slice(0, 10)) < 2 * 86_400_000,
      );
      const counts: Record<string, number> = Object.fromEntries(kept);
      for (const limit of limits) counts[slot(limit)] = (counts[slot(limit)] ?? 0) + 1;
      return { version: 1, counts };
    },
  );
  return spent;
}
