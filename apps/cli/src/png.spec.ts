import { deflateSync } from 'node:zlib';
import { checkPng } from './png';

function png(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ihdr,
    deflateSync(Buffer.alloc(4)),
  ]);
}

describe('checkPng', () => {
  it('accepts a PNG header, even of a file damaged further on (the worker judges the rest)', () => {
    expect(checkPng(png(64, 48))).toBeUndefined();
  });

  it('names what a file that is not a PNG is', () => {
    expect(checkPng(new Uint8Array())).toBe('the file is empty');
    expect(checkPng(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('it is a JPEG image');
    expect(checkPng(Buffer.from('GIF89a....'))).toBe('it is a GIF image');
    expect(checkPng(Buffer.from('hello, world'))).toBe('it is text');
    expect(checkPng(Uint8Array.from([0, 1, 2, 3, 200, 201]))).toBe('it is unrecognised binary data');
    expect(checkPng(png(64, 48).subarray(0, 12))).toBe('it has no PNG header (IHDR)');
    expect(checkPng(png(0, 48))).toBe('its width or height is 0');
  });
});
