import { createHmac, timingSafeEqual } from 'node:crypto';
import { USER_ID_PATTERN } from '@gen3d/s3-keys';
import { z } from 'zod';

/**
 * What a token grants. Each kind is signed with a different `k`, so one kind can never be replayed as another.
 *
 * - `session`: this browser is user `u` (kept in the browser's storage, sent as `Authorization: Bearer …`).
 * - `access`: read access to the one upload `n` of user `u` (the email's link; it carries no other right).
 * - `confirm`: address `a` (normalised) may be confirmed for the results of session `u` until `exp` (epoch seconds).
 *
 * A token is accepted only in the one spelling this signer makes (base64url without padding): a variant that
 * decodes to the same bytes is refused, so a token's string is its identity.
 */
const ClaimsSchema = z.discriminatedUnion('k', [
  z.strictObject({ k: z.literal('s'), u: z.string().regex(USER_ID_PATTERN) }),
  z.strictObject({ k: z.literal('a'), u: z.string().regex(USER_ID_PATTERN), n: z.string().min(1).max(200) }),
  z.strictObject({
    k: z.literal('c'),
    a: z.string().min(3).max(254),
    u: z.string().regex(USER_ID_PATTERN),
    exp: z.number().int(),
  }),
]);
export type TokenClaims = z.output<typeof ClaimsSchema>;

/** Signs and checks the API's tokens: `base64url(JSON claims).base64url(HMAC-SHA256(key, that))`. */
export interface TokenSigner {
  sign(claims: TokenClaims): string;
  /** The claims of a token this key signed, or undefined for anything else (tampered, foreign, malformed). */
  verify(token: string): TokenClaims | undefined;
}

/** The shortest key accepted: 256 bits, the size of the HMAC's output. */
export const MIN_TOKEN_KEY_BYTES = 32;
const MAX_TOKEN_LENGTH = 2048;
const CANONICAL_BASE64URL = /^[A-Za-z0-9_-]+$/;

export class TokenKeyError extends Error {
  override readonly name = 'TokenKeyError';
}

/**
 * @example const tokens = createTokenSigner(key); tokens.verify(tokens.sign({ k: 's', u: 'w1' })) // { k: 's', u: 'w1' }
 */
export function createTokenSigner(key: Uint8Array): TokenSigner {
  if (key.length < MIN_TOKEN_KEY_BYTES) {
    throw new TokenKeyError(
      `the token key has ${key.length} bytes; at least ${MIN_TOKEN_KEY_BYTES} are needed`,
    );
  }
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    sign(claims) {
      const payload = Buffer.from(JSON.stringify(ClaimsSchema.parse(claims))).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return undefined;
      const parts = token.split('.');
      if (parts.length !== 2) return undefined;
      const [payload, signature] = parts as [string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      if (given.toString('base64url') !== signature || !CANONICAL_BASE64URL.test(payload)) return undefined;
      try {
        const parsed = ClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
