import { buildInputKey, InvalidKeyError } from '@gen3d/s3-keys';

/** The largest upload the UI accepts; the worker refuses anything larger anyway. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export interface FileLike {
  readonly name: string;
  readonly size: number;
}

export type UploadPlan =
  { readonly ok: true; readonly key: string } | { readonly ok: false; readonly problem: string };

/**
 * Decides where a picture the user chose will be uploaded, or why it cannot be.
 * The name keeps what the user typed (any script, spaces), minus the extension, which is always `.png`.
 */
export function planUpload(file: FileLike, userId: string): UploadPlan {
  if (file.size === 0) return { ok: false, problem: 'The file is empty.' };
  if (file.size > MAX_UPLOAD_BYTES) return { ok: false, problem: 'The file is larger than 20 MB.' };
  const match = /^(.*)\.png$/i.exec(file.name);
  if (!match) return { ok: false, problem: 'Please choose a PNG image.' };
  try {
    return { ok: true, key: buildInputKey({ userId, name: (match[1] as string).trim() }) };
  } catch (error) {
    if (error instanceof InvalidKeyError)
      return { ok: false, problem: `This file name cannot be used (${error.reason}).` };
    throw error;
  }
}
