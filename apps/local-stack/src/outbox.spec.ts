import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { createLogger } from '@gen3d/logging';
import { outboxMailer } from './outbox';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, log: createLogger({ service: 'test', destination }) };
}

describe('outboxMailer', () => {
  it('writes an RFC 5322 multipart message a mail client reads back exactly', async () => {
    const { lines, log } = capture();
    const send = outboxMailer({
      dir,
      from: 'no-reply@gen3d.local',
      log,
      now: () => new Date('2026-11-27T02:45:07Z'),
    });
    const text = `Hello,\n\nYour model of "café ☕" = ready.   \n${'long line '.repeat(20)}\nhttp://127.0.0.1:4300/s3/b/k?a=1&X-Gen3D-Signature=abc\n— Gen3D`;
    const html = '<p>Hello, <a href="http://127.0.0.1:4300/s3/b/k?a=1&amp;b=2">download</a> café</p>';
    const messageId = await send({
      to: "o'brien@example.com",
      subject: 'Your 3D model of "café ☕" is ready',
      text,
      html,
    });

    const [file] = readdirSync(dir);
    expect(file).toMatch(/^20261127T024507Z-[0-9a-f]{16}-your-3d-model-of-cafe-is-ready\.eml$/);
    const raw = readFileSync(path.join(dir, file as string));
    expect(
      raw
        .toString('latin1')
        .split('\r\n')
        .every((line) => line.length <= 998),
    ).toBe(true);
    expect([...raw].every((byte) => byte < 128)).toBe(true); // 7-bit clean: any transport, any client
    const mail = await simpleParser(raw);
    expect(mail.from?.value).toEqual([{ name: 'Gen3D', address: 'no-reply@gen3d.local' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : undefined).toBe("o'brien@example.com");
    expect(mail.subject).toBe('Your 3D model of "café ☕" is ready');
    expect(mail.date?.toISOString()).toBe('2026-11-27T02:45:07.000Z');
    expect(mail.messageId).toBe(messageId);
    expect(mail.text?.replace(/\n$/, '')).toBe(text);
    expect(mail.html).toContain(html);
    // One log line per mail, with no address in clear.
    const line = lines.find((l) => l['msg'] === 'mail sent to the outbox');
    expect(line).toMatchObject({ file, subject: 'Your 3D model of "café ☕" is ready' });
    expect(JSON.stringify(lines)).not.toContain('brien@example.com');
  });

  it('carries inline pictures as multipart/related parts the HTML names by Content-ID (RFC 2387)', async () => {
    const { lines, log } = capture();
    const send = outboxMailer({ dir, from: 'no-reply@gen3d.local', log });
    const picture = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(5000, 7)]);
    await send({
      to: 'a@example.com',
      subject: 'Your 3D model is ready',
      text: 'A picture of the model is in this email.',
      html: '<p><img src="cid:thumbnail@gen3d" alt="the model" width="256" height="256"></p>',
      inlineImages: [
        { cid: 'thumbnail@gen3d', contentType: 'image/png', bytes: picture, fileName: 'thumbnail.png' },
      ],
    });
    const [file] = readdirSync(dir);
    const raw = readFileSync(path.join(dir, file as string));
    const text = raw.toString('latin1');
    expect([...raw].every((byte) => byte < 128)).toBe(true);
    expect(text).toMatch(
      /^Content-Type: multipart\/related; boundary="[^"]+"; type="multipart\/alternative"\r$/m,
    );
    expect(text).toContain('Content-ID: <thumbnail@gen3d>\r\n');
    expect(text).toContain('Content-Transfer-Encoding: base64\r\n');
    expect(text.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    const mail = await simpleParser(raw, { keepCidLinks: true });
    expect(mail.html).toContain('<img src="cid:thumbnail@gen3d"');
    expect(mail.text?.trim()).toBe('A picture of the model is in this email.');
    expect(
      mail.attachments.map((a) => [a.cid, a.related, a.contentDisposition, a.content.equals(picture)]),
    ).toEqual([['thumbnail@gen3d', true, 'inline', true]]);
    expect(lines.find((l) => l['msg'] === 'mail sent to the outbox')).toMatchObject({ inlineImages: 1 });
  });

  it('leaves no half-written file: only whole .eml files are in the outbox', async () => {
    const { log } = capture();
    const send = outboxMailer({ dir, from: 'no-reply@gen3d.local', log });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        send({ to: 'a@example.com', subject: `mail ${i}`, text: 't', html: '<p>h</p>' }),
      ),
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.eml'))).toHaveLength(5);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.eml'))).toEqual([]);
  });
});
