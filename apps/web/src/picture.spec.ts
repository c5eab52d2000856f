import { pngHead } from './fixtures/png-head';
import { checkPicture, sniffFormat } from './picture';

describe('checkPicture', () => {
  it('accepts a PNG by its bytes and reads its size', () => {
    expect(checkPicture(pngHead(640, 480), 1000)).toEqual({ ok: true, width: 640, height: 480 });
  });

  it('names a JPEG renamed .png as a JPEG', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1]);
    const result = checkPicture(jpeg, 5000);
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/JPEG picture, not a PNG/) });
  });

  it('refuses an empty file, a file over the limit and a PNG without a header', () => {
    expect(checkPicture(new Uint8Array(), 0)).toMatchObject({ ok: false, problem: /empty/ });
    expect(checkPicture(pngHead(10, 10), 21 * 1024 * 1024)).toMatchObject({
      ok: false,
      problem: /limit is 20 MB/,
    });
    expect(checkPicture(pngHead(10, 10).slice(0, 8), 8)).toMatchObject({ ok: false, problem: /damaged/ });
    expect(checkPicture(pngHead(0, 10), 100)).toMatchObject({ ok: false, problem: /no pixels/ });
  });

  it('says only "not a PNG" for bytes it cannot name', () => {
    expect(checkPicture(new TextEncoder().encode('hello, world, this is text....'), 30)).toEqual({
      ok: false,
      problem: 'This file is not a PNG picture. Please choose a PNG.',
    });
  });
});

describe('sniffFormat', () => {
  it.each([
    [[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], 'a GIF picture'],
    [[0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50], 'a WebP picture'],
    [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  ])('recognises %j', (bytes, name) => {
    expect(sniffFormat(new Uint8Array(bytes))).toBe(name);
  });
});
