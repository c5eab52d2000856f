import { InvalidKeyError, type InvalidKeyReason } from './errors';

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

/** A parser of one kind of id: the value, typed, when it matches `pattern`; else an InvalidKeyError naming `key`. */
function idParser<Id extends string>(pattern: RegExp, reason: InvalidKeyReason, rule: string) {
  return (value: string, key = value): Id => {
    if (!pattern.test(value)) throw new InvalidKeyError(reason, key, rule);
    return value as Id;
  };
}

/** @example parseUserId('u1') // 'u1' as UserId */
export const parseUserId = idParser<UserId>(
  USER_ID_PATTERN,
  'bad-user-id',
  'the user id must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-", starting with a letter or digit',
);

/** @example parseJobId('3f2a9c1d0b7e4a55') */
export const parseJobId = idParser<JobId>(
  JOB_ID_PATTERN,
  'bad-job-id',
  'the job id must be 8-64 characters of a-z, 0-9 or "-", starting with a letter or digit',
);
