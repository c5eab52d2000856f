import { describeContent, isPng, PNG_SIGNATURE } from './png-signature';

describe('PNG signature', () => {
  it('recognises a PNG by its first eight bytes only', () => {
    expect(isPng(Uint8Array.from([...PNG_SIGNATURE, 0, 0, 0, 13]))).toBe(true);
    expect(isPng(PNG_SIGNATURE.subarray(0, 7))).toBe(false);
  });

  it.each([
    [[0xff, 0xd8, 0xff, 0xe0], 'a JPEG image'],
    [[...Buffer.from('GIF89a')], 'a GIF image'],
    [[...Buffer.from('RIFF\0\0\0\0WEBP')], 'a WebP image'],
    [[...Buffer.from('<svg xmlns')], 'an XML/SVG/HTML document'],
    [[...Buffer.from('hello')], 'text'],
    [[0x00, 0x01, 0x02], 'unrecognised binary data'],
  ])('names %j as %s', (bytes, name) => {
    expect(describeContent(Uint8Array.from(bytes))).toBe(name);
  });
});
