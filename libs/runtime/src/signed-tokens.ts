import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tokens that carry their own claims: `base64url(JSON claims).base64url(HMAC-SHA256(key, domain + payload))`. A token
 * is accepted only in the one spelling `sign` makes (base64url without padding), so an edited character anywhere is
 * a different token and is refused. Used by the API's session, access and confirmation tokens and by the emails'
 * download links, each with its own claims and key.
 */
export interface SignedTokens<T> {
  sign(claims: T): string;
  /** The claims of a token one of the keys signed, or undefined for anything else (tampered, foreign, malformed). */
  verify(token: string): T | undefined;
}

export interface SignedTokenOptions<T> {
  /** Checks what a token says: the claims, or undefined (a token whose claims do not parse is refused). */
  readonly parse: (value: unknown) => T | undefined;
  /** Prefixed to what is signed, so one key given by mistake to two signers signs different texts. */
  readonly domain?: string;
  /** Longer tokens are refused before any work. */
  readonly maxLength: number;
}

/** The shortest key accepted: 256 bits, the size of the HMAC's output. An empty secret is refused, never used. */
export const MIN_SIGNING_KEY_BYTES = 32;
const CANONICAL_BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A key too short to sign with (an empty secret file, a truncated variable). */
export class SigningKeyError extends Error {
  override readonly name: string = 'SigningKeyError';
}

/**
 * Signs with the first key; verifies with any of them (the ones before a rotation after the current one).
 *
 * @example const t = signedTokens([key], { parse: (v) => v as { u: string }, maxLength: 2048 }); t.verify(t.sign({ u: 'a' }))
 */
export function signedTokens<T>(
  keys: readonly Uint8Array[],
  { parse, domain = '', maxLength }: SignedTokenOptions<T>,
): SignedTokens<T> {
  const [mac, ...older] = keys.map((key) => macOf(key, domain));
  if (!mac) throw new SigningKeyError('no signing key');
  const macs = [mac, ...older];
  return {
    sign(claims) {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token) {
      if (token.length > maxLength) return undefined;
      const parts = token.split('.');
      if (parts.length !== 2) return undefined;
      const [payload, signature] = parts as [string, string];
      if (!CANONICAL_BASE64URL.test(payload) || !macs.some((m) => signs(m, payload, signature)))
        return undefined;
      try {
        return parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      } catch {
        return undefined;
      }
    },
  };
}

function macOf(key: Uint8Array, domain: string): (payload: string) => Buffer {
  if (key.length < MIN_SIGNING_KEY_BYTES) {
    throw new SigningKeyError(
      `the signing key has ${key.length} bytes; at least ${MIN_SIGNING_KEY_BYTES} are needed`,
    );
  }
  return (payload) => createHmac('sha256', key).update(domain).update(payload).digest();
}

/** Whether `signature` is this MAC of `payload`, compared in constant time and in its one spelling. */
function signs(mac: (payload: string) => Buffer, payload: string, signature: string): boolean {
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(payload);
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    given.toString('base64url') === signature
  );
}
