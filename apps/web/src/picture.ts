/** What the browser checks about a picture before asking for an upload: its bytes, not its name. */

/** The largest upload the UI accepts (the API's presigned POST refuses anything larger anyway). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** Bytes to read from the start of a file to check it. */
export const HEADER_BYTES = 32;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type PictureCheck =
  | { readonly ok: true; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly problem: string };

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end));

/** Names what a non-PNG file really is, from its first bytes (for a message people understand). */
export function sniffFormat(head: Uint8Array): string | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'a JPEG picture';
  if (ascii(head, 0, 4) === 'GIF8') return 'a GIF picture';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'a WebP picture';
  if (ascii(head, 0, 2) === 'BM') return 'a BMP picture';
  if (ascii(head, 4, 8) === 'ftyp') return 'a HEIC/AVIF picture';
  if (ascii(head, 0, 4) === '%PDF') return 'a PDF document';
  if (head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a) return 'a TIFF picture';
  return undefined;
}

/**
 * Checks a file by its size and first bytes (at least {@link HEADER_BYTES}): the PNG signature and a sane IHDR.
 *
 * @example checkPicture(firstBytes, file.size) // { ok: false, problem: 'This file is a JPEG picture, not a PNG…' }
 */
export function checkPicture(head: Uint8Array, size: number, maxBytes = MAX_UPLOAD_BYTES): PictureCheck {
  if (size === 0) return { ok: false, problem: 'This file is empty.' };
  if (size > maxBytes) {
    return {
      ok: false,
      problem: `This file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${maxBytes / 1024 / 1024} MB. Please use a smaller picture.`,
    };
  }
  if (!PNG_SIGNATURE.every((byte, i) => head[i] === byte)) {
    const format = sniffFormat(head);
    return {
      ok: false,
      problem: format
        ? `This file is ${format}, not a PNG (whatever its name says). Please save it as PNG first.`
        : 'This file is not a PNG picture. Please choose a PNG.',
    };
  }
  if (head.length < 24 || ascii(head, 12, 16) !== 'IHDR') {
    return { ok: false, problem: 'This PNG is damaged (its header is missing).' };
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) return { ok: false, problem: 'This PNG is damaged (it has no pixels).' };
  return { ok: true, width, height };
}
