import { MIN_TOKEN_KEY_BYTES, TokenKeyError } from './tokens';

/**
 * A key given as text (a Secrets Manager secret string; the local stack's key file): its UTF-8 bytes, at least 32 of
 * them. The local stack creates and replaces its key file itself (apps/local-stack secrets.ts).
 */
export function keyFromText(text: string, source: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'utf8');
  if (key.length < MIN_TOKEN_KEY_BYTES) {
    throw new TokenKeyError(
      `${source} holds ${key.length} bytes; at least ${MIN_TOKEN_KEY_BYTES} are needed`,
    );
  }
  return key;
}
