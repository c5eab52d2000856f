import { InvalidKeyError } from './errors';

/** S3 allows 1024 bytes of UTF-8 per key. */
export const MAX_KEY_BYTES = 1024;
/** Longest object name (the part before the extension), in Unicode code points. */
export const MAX_NAME_LENGTH = 200;
/**
 * Longest object name in bytes of UTF-8. A name becomes one path segment with the longest suffix the pipeline adds
 * (`.failure.json`, 13 bytes): file systems and the folder store allow 255 bytes a segment, so every derived key of
 * a name that passes here fits too.
 */
export const MAX_NAME_BYTES = 240;

/** The UTF-8 length of a text. */
export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

// C0 controls, DEL and C1 controls: never meaningful in a key, often an attack on logs or terminals.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// Unicode line/paragraph separators and bidi overrides can disguise a name in emails and logs.
const DECEPTIVE_CHARACTER = /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Splits a key into segments after the checks that apply to every key kind:
 * length, no leading slash, no backslash, no control characters, no empty, `.` or `..` segments.
 */
export function splitKey(key: string): string[] {
  if (key.length === 0) throw new InvalidKeyError('empty', key, 'the key is empty');
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    throw new InvalidKeyError('too-long', key, `the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (key.startsWith('/')) throw new InvalidKeyError('leading-slash', key, 'the key starts with "/"');
  if (key.includes('\\')) throw new InvalidKeyError('backslash', key, 'the key contains a backslash');
  if (CONTROL_CHARACTER.test(key) || DECEPTIVE_CHARACTER.test(key)) {
    throw new InvalidKeyError('control-character', key, 'the key contains a control or bidi character');
  }
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') {
      throw new InvalidKeyError('traversal', key, `the key contains a "${segment}" segment`);
    }
    if (segment === '') throw new InvalidKeyError('empty-segment', key, 'the key contains an empty segment');
  }
  return segments;
}

/**
 * Checks and normalises (NFC) an object name: the file name without its extension.
 * Names are what users typed; they may hold spaces, `+`, `%` and any script, but not separators.
 */
export function checkName(name: string, key: string): string {
  const normalised = name.normalize('NFC');
  const length = [...normalised].length;
  if (length === 0) throw new InvalidKeyError('bad-name', key, 'the object name is empty');
  if (length > MAX_NAME_LENGTH) {
    throw new InvalidKeyError(
      'bad-name',
      key,
      `the object name is longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (utf8Bytes(normalised) > MAX_NAME_BYTES) {
    throw new InvalidKeyError(
      'bad-name',
      key,
      `the object name is longer than ${MAX_NAME_BYTES} bytes of UTF-8 (accented letters count two or more)`,
    );
  }
  if (normalised === '.' || normalised === '..') {
    throw new InvalidKeyError('traversal', key, 'the object name is "." or ".."');
  }
  if (normalised.trim() !== normalised) {
    throw new InvalidKeyError('bad-name', key, 'the object name starts or ends with white space');
  }
  if (
    /[/\\]/.test(normalised) ||
    CONTROL_CHARACTER.test(normalised) ||
    DECEPTIVE_CHARACTER.test(normalised)
  ) {
    throw new InvalidKeyError('bad-name', key, 'the object name contains a separator or control character');
  }
  return normalised;
}

/** Splits `stem.ext` on the given extension (case-sensitive, as S3 notification suffix filters are). */
export function stripExtension(fileName: string, extension: string, key: string): string {
  if (!fileName.endsWith(extension) || fileName.length === extension.length) {
    throw new InvalidKeyError('bad-extension', key, `expected a file name ending in "${extension}"`);
  }
  return fileName.slice(0, -extension.length);
}
