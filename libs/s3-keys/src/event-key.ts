import { InvalidKeyError } from './errors';

/**
 * Decodes an object key as S3 event notifications carry it: URL-encoded, with `+` for a space.
 * `decodeURIComponent` alone is wrong: it would leave `+` as `+`, and a literal `+` arrives as `%2B`.
 *
 * @example decodeEventKey('users/u1/input/my+photo+%281%29.png') // 'users/u1/input/my photo (1).png'
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidKeyError('malformed-encoding', encoded, 'the key is not valid URL encoding', {
      cause: error,
    });
  }
}

/** The inverse of {@link decodeEventKey}: encodes a key the way S3 writes it into event notifications. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
