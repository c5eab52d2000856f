import { simpleParser } from 'mailparser';
import { formatMimeMessage, quotedPrintable } from './mime';
import { PNG_SIGNATURE } from './png-signature';

const PICTURE = Uint8Array.from([...PNG_SIGNATURE, ...Array.from({ length: 300 }, (_, i) => i % 256)]);
const mail = {
  to: 'ann@example.com',
  from: 'Gen3D <no-reply@example.com>',
  subject: 'Your 3D model of "café" is ready',
  text: 'Hello,\nA picture of the model is in this email.',
  html: '<p>Hello,</p><p><img src="cid:thumbnail@gen3d" alt="the model" width="256" height="256"></p>',
  date: new Date('2026-12-06T10:00:00Z'),
  messageId: '<m1@gen3d.local>',
  boundary: 'gen3d-b1',
};

describe('formatMimeMessage', () => {
  it('puts the text and HTML alternatives and the pictures in one multipart/related a mail client reads back', async () => {
    const raw = formatMimeMessage({
      ...mail,
      inlineImages: [
        { cid: 'thumbnail@gen3d', contentType: 'image/png', bytes: PICTURE, fileName: 'thumbnail.png' },
      ],
    });
    expect([...raw].every((byte) => byte < 128)).toBe(true);
    expect(
      raw
        .toString('ascii')
        .split('\r\n')
        .every((line) => line.length <= 998),
    ).toBe(true);
    const head = raw.toString('ascii').split('\r\n\r\n')[0]!;
    expect(head).toContain(
      'Content-Type: multipart/related; boundary="gen3d-b1-rel"; type="multipart/alternative"',
    );
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.text?.trim()).toBe(mail.text);
    // The client resolves the HTML's cid: reference to this very part (mailparser inlines it as a data: URI).
    expect(parsed.html).toContain(`src="data:image/png;base64,${Buffer.from(PICTURE).toString('base64')}"`);
    expect((await simpleParser(raw, { keepCidLinks: true })).html).toContain('src="cid:thumbnail@gen3d"');
    expect(parsed.attachments).toHaveLength(1);
    const [picture] = parsed.attachments;
    expect(picture).toMatchObject({
      contentType: 'image/png',
      contentDisposition: 'inline',
      filename: 'thumbnail.png',
      cid: 'thumbnail@gen3d',
      related: true,
    });
    expect(Buffer.compare(picture!.content, Buffer.from(PICTURE))).toBe(0);
  });

  it('is a plain multipart/alternative without pictures', async () => {
    const raw = formatMimeMessage(mail).toString('ascii');
    expect(raw.split('\r\n\r\n')[0]).toContain(
      'Content-Type: multipart/alternative; boundary="gen3d-b1-alt"',
    );
    expect(raw).not.toContain('multipart/related');
    expect((await simpleParser(raw)).attachments).toEqual([]);
  });

  it('refuses a Content-ID or a file name that could break out of its header', () => {
    const image = { cid: 'a@b', contentType: 'image/png', bytes: PICTURE, fileName: 'x.png' };
    expect(() => formatMimeMessage({ ...mail, inlineImages: [{ ...image, cid: 'a>\r\nBcc: x@y' }] })).toThrow(
      TypeError,
    );
    expect(() => formatMimeMessage({ ...mail, inlineImages: [{ ...image, fileName: 'a".png' }] })).toThrow(
      TypeError,
    );
    expect(() =>
      formatMimeMessage({ ...mail, inlineImages: [{ ...image, contentType: 'text/html' }] }),
    ).toThrow(TypeError);
  });
});

describe('quotedPrintable', () => {
  it('encodes =, non-ASCII and trailing spaces, and keeps lines within 76 characters', () => {
    const encoded = quotedPrintable(`a=b é end \n${'x'.repeat(200)}`);
    expect(encoded.split('\r\n')[0]).toBe('a=3Db =C3=A9 end=20');
    expect(encoded.split('\r\n').every((line) => line.length <= 76)).toBe(true);
  });
});
