import { crc32, deflateSync, inflateSync } from 'node:zlib';

/** Encodes RGBA pixels (row-major, 4 bytes each) as a PNG: what the e2e test uploads. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A picture of one object: a shaded, two-coloured ball on a transparent background. */
export function ballPicture(size = 256): Buffer {
  const rgba = new Uint8Array(size * size * 4);
  const c = size / 2;
  const r = size * 0.36;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const d = Math.hypot(x - c, y - c);
      if (d > r) continue;
      const shade = 0.55 + 0.45 * Math.sqrt(1 - (d / r) ** 2);
      const top = y < c;
      const i = (y * size + x) * 4;
      rgba[i] = Math.round((top ? 230 : 40) * shade);
      rgba[i + 1] = Math.round((top ? 90 : 120) * shade);
      rgba[i + 2] = Math.round((top ? 40 : 220) * shade);
      rgba[i + 3] = 255;
    }
  }
  return encodePng(size, size, rgba);
}

/** A picture with nothing in it: one flat opaque colour (the worker finds no object). */
export function emptyPicture(size = 128): Buffer {
  const rgba = new Uint8Array(size * size * 4).fill(255);
  return encodePng(size, size, rgba);
}

/** The first bytes of a JPEG (JFIF), padded: a JPEG renamed .png. */
export function jpegBytes(): Buffer {
  const head = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
  ]);
  return Buffer.concat([head, Buffer.alloc(2000, 0x20), Buffer.from([0xff, 0xd9])]);
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are) to RGBA pixels. */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0)
        throw new Error('only 8-bit, non-interlaced PNGs are decoded here');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (channels === 0) throw new Error(`colour type ${data[9]} is not decoded here`);
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x += 1) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const a = x >= channels ? (pixels[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] as number) : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = Math.floor((a + b) / 2);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    rgba[i * 4] = pixels[i * channels] as number;
    rgba[i * 4 + 1] = pixels[i * channels + 1] as number;
    rgba[i * 4 + 2] = pixels[i * channels + 2] as number;
    rgba[i * 4 + 3] = channels === 4 ? (pixels[i * channels + 3] as number) : 255;
  }
  return { width, height, rgba };
}

/** The share of pixels that differ from `background` by more than `tolerance` in any channel. */
export function shareDifferentFrom(
  image: { rgba: Uint8Array },
  background: [number, number, number],
  tolerance = 12,
): number {
  let different = 0;
  const count = image.rgba.length / 4;
  for (let i = 0; i < count; i += 1) {
    if (
      Math.abs((image.rgba[i * 4] as number) - background[0]) > tolerance ||
      Math.abs((image.rgba[i * 4 + 1] as number) - background[1]) > tolerance ||
      Math.abs((image.rgba[i * 4 + 2] as number) - background[2]) > tolerance
    ) {
      different += 1;
    }
  }
  return different / count;
}

/** Parses a PLY file (binary little-endian or ASCII) far enough to prove it valid: header, counts, face indices. */
export function checkPly(file: Buffer): { vertices: number; faces: number; format: string } {
  const end = file.indexOf('end_header\n');
  if (!file.subarray(0, 4).equals(Buffer.from('ply\n')) || end < 0) throw new Error('not a PLY file');
  const header = file.toString('latin1', 0, end).split('\n');
  const format = (header.find((l) => l.startsWith('format ')) ?? '').split(' ')[1] ?? '';
  const count = (element: string) =>
    Number(header.find((l) => l.startsWith(`element ${element} `))?.split(' ')[2] ?? NaN);
  const vertices = count('vertex');
  const faces = count('face');
  if (!(vertices > 0 && faces > 0)) throw new Error(`bad counts: ${vertices} vertices, ${faces} faces`);
  if (format === 'binary_little_endian') {
    const sizes: Record<string, number> = {
      float: 4,
      float32: 4,
      uchar: 1,
      uint8: 1,
      int: 4,
      int32: 4,
      uint: 4,
      uint32: 4,
      double: 8,
    };
    const vertexSection = header.slice(header.findIndex((l) => l.startsWith('element vertex')) + 1);
    let vertexBytes = 0;
    for (const line of vertexSection) {
      if (!line.startsWith('property ')) break;
      vertexBytes += sizes[line.split(' ')[1] as string] ?? NaN;
    }
    const faceLine = header.find((l) => l.startsWith('property list')) ?? '';
    const [, , countType, indexType] = faceLine.split(' ');
    const countSize = sizes[countType as string] as number;
    const indexSize = sizes[indexType as string] as number;
    let offset = end + 'end_header\n'.length + vertices * vertexBytes;
    for (let f = 0; f < faces; f += 1) {
      const n = countSize === 1 ? file.readUInt8(offset) : file.readUInt32LE(offset);
      offset += countSize;
      for (let k = 0; k < n; k += 1) {
        const index = indexSize === 4 ? file.readUInt32LE(offset) : file.readUInt8(offset);
        if (index >= vertices) throw new Error(`face ${f} names vertex ${index} of ${vertices}`);
        offset += indexSize;
      }
    }
    if (offset !== file.length) throw new Error(`${file.length - offset} bytes after the last face`);
  }
  return { vertices, faces, format };
}
