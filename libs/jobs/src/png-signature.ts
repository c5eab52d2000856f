/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const KNOWN: readonly (readonly [readonly number[], string])[] = [
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x42, 0x4d], 'a BMP image'],
  [[0x49, 0x49, 0x2a, 0x00], 'a TIFF image'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'a TIFF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
];

export function isPng(head: Uint8Array): boolean {
  return head.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, i) => head[i] === byte);
}

/** Names what the first bytes of a file look like, for the message a user reads. */
export function describeContent(head: Uint8Array): string {
  for (const [signature, name] of KNOWN) if (signature.every((byte, i) => head[i] === byte)) return name;
  const text = new TextDecoder().decode(head.subarray(0, 12));
  if (text.startsWith('RIFF') && text.slice(8, 12) === 'WEBP') return 'a WebP image';
  if (/^\s*</.test(text)) return 'an XML/SVG/HTML document';
  if (head.length > 0 && head.every((b) => (b >= 32 && b < 127) || b === 9 || b === 10 || b === 13))
    return 'text';
  return 'unrecognised binary data';
}
