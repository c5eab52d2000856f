import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIN_TOKEN_KEY_BYTES, TokenKeyError } from './tokens';

/**
 * The local stack's token key: read from `path`, or created there (64 random bytes, hex, mode 0600) on first use.
 * In AWS the key comes from Secrets Manager instead.
 */
export function readOrCreateKeyFile(path: string): Uint8Array {
  try {
    return keyFromText(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(64).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
  }
  return keyFromText(readFileSync(path, 'utf8'), path);
}

/** A key given as text (a key file, a Secrets Manager secret string): its UTF-8 bytes, at least 32 of them. */
export function keyFromText(text: string, source: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'utf8');
  if (key.length < MIN_TOKEN_KEY_BYTES) {
    throw new TokenKeyError(
      `${source} holds ${key.length} bytes; at least ${MIN_TOKEN_KEY_BYTES} are needed`,
    );
  }
  return key;
}
