import { crc32, deflateSync } from 'node:zlib';

/**
 * Test pictures, made here so that no binary fixture is needed: a PNG of `size`² pixels with a shaded disc (the
 * object) on a transparent background (a meaningful alpha channel, as the worker's mask stage uses), an empty one,
 * or the disc's mask (white object on black).
 */
export function discPng(size = 256, options: { empty?: boolean; mask?: boolean } = {}): Buffer {
  const rows: Buffer[] = [];
  const r = size * 0.35;
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x += 1) {
      const dx = x - size / 2;
      const dy = y - size / 2;
      const inside = !options.empty && dx * dx + dy * dy < r * r;
      const colour = [200 - Math.round((dx / r) * 50), 60 + Math.round((dy / r) * 40), 40, 255];
      const background = options.mask ? [0, 0, 0, 255] : [255, 255, 255, 0];
      const object = options.mask ? [255, 255, 255, 255] : colour;
      row.set(inside ? object : background, 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** The first bytes of a JPEG, under any name. */
export const JPEG_BYTES = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
]);
