import { InvalidKeyError } from './errors';

declare const userIdBrand: unique symbol;
declare const jobIdBrand: unique symbol;

/**
 * A user id that is safe in a key: 1–64 characters of `A–Z a–z 0–9 _ -`, starting with a letter or digit.
 * (Cognito `sub` values, UUIDs and slugs all fit; dots, slashes and anything that could climb are refused.)
 */
export type UserId = string & { readonly [userIdBrand]: true };
/** A job id: 8–64 characters of lowercase `a–z 0–9 -`, starting with a letter or digit (a hash, a UUID). */
export type JobId = string & { readonly [jobIdBrand]: true };

export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{7,63}$/;

/** @example parseUserId('u1') // 'u1' as UserId */
export function parseUserId(value: string, key = value): UserId {
  if (!USER_ID_PATTERN.test(value)) {
    throw new InvalidKeyError(
      'bad-user-id',
      key,
      'the user id must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-", starting with a letter or digit',
    );
  }
  return value as UserId;
}

/** @example parseJobId('3f2a9c1d0b7e4a55') */
export function parseJobId(value: string, key = value): JobId {
  if (!JOB_ID_PATTERN.test(value)) {
    throw new InvalidKeyError(
      'bad-job-id',
      key,
      'the job id must be 8-64 characters of a-z, 0-9 or "-", starting with a letter or digit',
    );
  }
  return value as JobId;
}
