import { boundaryOf, readMultipart } from './multipart';

const part = (boundary: string, name: string, type: string, bytes: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\n` +
        `Content-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from('\r\n'),
  ]);

describe('readMultipart', () => {
  it('splits the parts as FormData does, bytes that look like the start of a delimiter included', async () => {
    const boundary = 'gen3d-abc';
    const tricky = Buffer.from('ply\n\r\n--gen3d-ab\r\n--gen3d-ac end');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 1, 2]);
    const body = Buffer.concat([
      part(boundary, 'ply', 'application/octet-stream', tricky),
      part(boundary, 'thumbnail', 'image/png', png),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const parts = readMultipart(body, boundary);
    expect([...(parts?.keys() ?? [])]).toEqual(['ply', 'thumbnail']);
    expect(Buffer.from(parts!.get('ply')!.bytes).equals(tricky)).toBe(true);
    expect(parts!.get('thumbnail')).toMatchObject({ contentType: 'image/png' });
    // The same answer through undici's parser: the same bytes.
    const form = await new Response(body, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    }).formData();
    const viaFormData = Buffer.from(await (form.get('thumbnail') as Blob).arrayBuffer());
    expect(Buffer.from(parts!.get('thumbnail')!.bytes).equals(viaFormData)).toBe(true);
  });

  it('refuses what is not multipart for this boundary', () => {
    const body = Buffer.concat([part('b1', 'ply', 'x/y', Buffer.from('abc')), Buffer.from('--b1--\r\n')]);
    expect(readMultipart(body, 'other')).toBeUndefined();
    expect(readMultipart(body.subarray(0, body.length - 12), 'b1')).toBeUndefined(); // cut short
    expect(readMultipart(Buffer.from('--b1\r\nno headers end'), 'b1')).toBeUndefined();
  });

  it('reads the boundary of a content type, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/octet-stream')).toBeUndefined();
  });
});
