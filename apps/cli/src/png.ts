import { describeContent, isPng } from '@gen3d/jobs';

/**
 * What the CLI checks before uploading: the PNG signature (the same check and words as the extract core's, from
 * @gen3d/jobs) and an IHDR header with a size. The full check (every chunk's CRC, the pixels) is the worker's; a
 * damaged PNG still goes through the pipeline and fails there, by email.
 * @returns undefined for a PNG, else what is wrong, in words.
 */
export function checkPng(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  if (!isPng(bytes)) return `it is ${describeContent(bytes.subarray(0, 16))}`;
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    return 'it has no PNG header (IHDR)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(16) === 0 || view.getUint32(20) === 0) return 'its width or height is 0';
  return undefined;
}
