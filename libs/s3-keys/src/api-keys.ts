import { InvalidKeyError } from './errors';
import { parseUserId } from './ids';
import { USERS_PREFIX } from './keys';

/**
 * The web API's own documents, beside the pipeline's (no S3 event rule matches `api/`, so writing them starts
 * nothing):
 *
 *   api/users/{userId}.json          a browser's user: when it was created, the uploads it was granted recently
 *   api/addresses/{sha256}.json      a mailbox, by the SHA-256 of its canonical form (plus-tags and dots dropped):
 *                                    the sessions it confirmed, confirmation emails sent, uploads accepted per day
 *                                    (the daily cap), results held until a confirmation
 *   api/claims/{userId}/{sha256}.json  one granted upload (by the SHA-256 of its name), claimed once by the extract
 *                                    function: a replayed upload form makes no second job
 *   api/mail-budget.json             confirmation emails sent per hour and per day, all sessions together
 *
 * The address itself never appears in a key (keys show up in logs, listings and S3 access logs).
 */
const API_PREFIX = 'api/';
const ADDRESS_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** @example buildApiUserKey('w3x9') // 'api/users/w3x9.json' */
export function buildApiUserKey(userId: string): string {
  return `${API_PREFIX}users/${parseUserId(userId, `${API_PREFIX}users/${userId}.json`)}.json`;
}

/** @example buildAddressKey('ab…(64 hex)') // 'api/addresses/ab….json' */
export function buildAddressKey(addressSha256: string): string {
  const key = `${API_PREFIX}addresses/${addressSha256}.json`;
  if (!ADDRESS_HASH_PATTERN.test(addressSha256)) {
    throw new InvalidKeyError('bad-shape', key, 'expected the 64 hex digits of a SHA-256');
  }
  return key;
}

/** @example buildClaimKey('w3x9', 'ab…(64 hex)') // 'api/claims/w3x9/ab….json' */
export function buildClaimKey(userId: string, nameSha256: string): string {
  const key = `${API_PREFIX}claims/${userId}/${nameSha256}.json`;
  parseUserId(userId, key);
  if (!ADDRESS_HASH_PATTERN.test(nameSha256)) {
    throw new InvalidKeyError('bad-shape', key, 'expected the 64 hex digits of a SHA-256');
  }
  return key;
}

/** The one document that counts confirmation emails across all sessions (the global hourly and daily budget). */
export const MAIL_BUDGET_KEY = `${API_PREFIX}mail-budget.json`;

/** The prefix of a user's job documents: list it to find the user's jobs. */
export function userJobsPrefix(userId: string): string {
  return `${USERS_PREFIX}${parseUserId(userId)}/jobs/`;
}
