import { signedTokens } from '@gen3d/runtime';
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

/** The shortest key accepted (256 bits) and the error for a shorter one: the signed-token codec's (@gen3d/runtime). */
export {
  MIN_SIGNING_KEY_BYTES as MIN_TOKEN_KEY_BYTES,
  SigningKeyError as TokenKeyError,
} from '@gen3d/runtime';

/**
 * @example const tokens = createTokenSigner(key); tokens.verify(tokens.sign({ k: 's', u: 'w1' })) // { k: 's', u: 'w1' }
 */
export function createTokenSigner(key: Uint8Array): TokenSigner {
  const tokens = signedTokens<TokenClaims>([key], {
    parse: (v) => ClaimsSchema.safeParse(v).data,
    maxLength: 2048,
  });
  return {
    sign: (claims) => tokens.sign(ClaimsSchema.parse(claims)),
    verify: (token) => tokens.verify(token),
  };
}
