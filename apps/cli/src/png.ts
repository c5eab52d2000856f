/** The eight bytes every PNG starts with, then the IHDR chunk. */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const OTHER_FORMATS: readonly (readonly [readonly number[], string])[] = [
  [[0xff, 0xd8, 0xff], 'it is a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'it is a GIF image'],
  [[0x42, 0x4d], 'it is a BMP image'],
  [[0x25, 0x50, 0x44, 0x46], 'it is a PDF document'],
  [[0x52, 0x49, 0x46, 0x46], 'it is a RIFF file (WebP?)'],
];

/**
 * What the CLI checks before uploading: the PNG signature and an IHDR header with a size. The full check (every
 * chunk's CRC, the pixels) is the worker's; a damaged PNG still goes through the pipeline and fails there, by email.
 * @returns undefined for a PNG, else what is wrong, in words.
 */
export function checkPng(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) {
    for (const [signature, name] of OTHER_FORMATS) if (signature.every((b, i) => bytes[i] === b)) return name;
    return 'it does not start with the PNG signature';
  }
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    return 'it has no PNG header (IHDR)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(16) === 0 || view.getUint32(20) === 0) return 'its width or height is 0';
  return undefined;
}
