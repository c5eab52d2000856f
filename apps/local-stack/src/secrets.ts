import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The shortest secret the stack accepts from a file: 32 characters (a new one has 43: 32 random bytes). */
export const MIN_SECRET_LENGTH = 32;

/**
 * A secret kept in a file (mode 0600): the link signing key, the operator token, the API's token key. Created on
 * first use; one that is empty or shorter than MIN_SECRET_LENGTH (a truncated or emptied file) is replaced by a new
 * one, never used: an empty operator token must not open the operator routes to anyone. Every write is atomic (a
 * temporary file, then a link or rename), so a reader never sees half a secret. `onReplaced` says so in one line.
 */
export async function readOrCreateSecret(
  file: string,
  onReplaced: (reason: string) => void = () => undefined,
): Promise<Buffer> {
  const existing = await readSecret(file);
  if (existing !== undefined && existing.length >= MIN_SECRET_LENGTH) return Buffer.from(existing);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (existing === undefined) {
      // First use: link, which fails if another process created the file meanwhile (then theirs is used).
      try {
        await fs.link(temp, file);
        return Buffer.from(secret);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return readOrCreateSecret(file, onReplaced);
      }
    }
    await fs.rename(temp, file);
    onReplaced(
      `${path.basename(file)} held ${existing.length} characters (at least ${MIN_SECRET_LENGTH} are needed): a new secret was written`,
    );
    return Buffer.from(secret);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
