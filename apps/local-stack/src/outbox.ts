import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@gen3d/logging';

/** One email as the notify handler (and the API's confirmation mail) hands it to a mailer. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface OutboxOptions {
  readonly dir: string;
  /** The sender, as SES's Source would be. */
  readonly from: string;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * The local stack's mailer: every message becomes a standard `.eml` file (RFC 5322, MIME multipart/alternative with
 * a text and an HTML part, UTF-8, quoted-printable) that any mail client opens, and one log line. The file appears
 * whole (temp + rename). Returns the Message-ID, as SES returns its MessageId.
 *
 * @example const send = outboxMailer({ dir: '.gen3d/outbox', from: 'gen3d@localhost', log }); await send(mail);
 */
export function outboxMailer(options: OutboxOptions): (mail: OutgoingMail) => Promise<string> {
  const now = options.now ?? (() => new Date());
  return async (mail) => {
    const date = now();
    const id = randomBytes(8).toString('hex');
    const messageId = `<${date.getTime().toString(36)}.${id}@gen3d.local>`;
    const eml = formatEml({ ...mail, from: options.from, date, messageId, boundary: `gen3d-${id}` });
    const file = `${compactTime(date)}-${id}-${slug(mail.subject)}.eml`;
    await fs.mkdir(options.dir, { recursive: true });
    const temp = path.join(options.dir, `.${file}.tmp`);
    await fs.writeFile(temp, eml);
    await fs.rename(temp, path.join(options.dir, file));
    options.log.info({ to: mail.to, subject: mail.subject, file }, 'mail sent to the outbox');
    return messageId;
  };
}

/** The RFC 5322 text of one message (CRLF line ends, header fields ASCII, bodies quoted-printable). */
export function formatEml(
  mail: OutgoingMail & { from: string; date: Date; messageId: string; boundary: string },
) {
  const headers = [
    `From: Gen3D <${mail.from}>`,
    `To: ${mail.to}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${rfc5322Date(mail.date)}`,
    `Message-ID: ${mail.messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${mail.boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${mail.boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      'Content-Transfer-Encoding: quoted-printable',
      '',
      quotedPrintable(body),
    ].join('\r\n');
  return [
    ...headers,
    '',
    'This is a multi-part message in MIME format.',
    part('text/plain', mail.text),
    part('text/html', `<!DOCTYPE html>\n<html><body>\n${mail.html}\n</body></html>`),
    `--${mail.boundary}--`,
    '',
  ].join('\r\n');
}

/** RFC 2047 encoded-word for a header with non-ASCII text (a picture named "café"); plain ASCII stays readable. */
export function encodeHeader(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  // Encoded words are at most 75 characters: split the UTF-8 bytes on character boundaries.
  const words: string[] = [];
  let chunk = '';
  for (const char of clean) {
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** RFC 2045 quoted-printable: lines of at most 76 characters, soft breaks, CRLF hard breaks. */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n|\r/g, '\n')
    .split('\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      let out = '';
      let current = '';
      bytes.forEach((byte, i) => {
        const last = i === bytes.length - 1;
        const plain = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
        const piece = plain
          ? String.fromCharCode(byte)
          : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
        if (current.length + piece.length > 75) {
          out += `${current}=\r\n`;
          current = '';
        }
        current += piece;
      });
      return out + current;
    })
    .join('\r\n');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(
    date.getUTCHours(),
  )}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

function compactTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function slug(subject: string): string {
  return (
    subject
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, '-')
      .slice(0, 60) || 'message'
  );
}
