import type { InlineImage, OutgoingEmail } from './ports';

/**
 * One email as a standard MIME message (RFC 5322 header, RFC 2045/2046 bodies, RFC 2387 related parts): what the
 * local outbox writes into its .eml files and what SES sends raw when an email carries inline pictures. 7-bit clean:
 * header fields ASCII (RFC 2047 encoded words for the rest), text bodies quoted-printable, pictures base64.
 *
 * Without inline images: multipart/alternative (text, HTML). With them: multipart/related whose root is that
 * multipart/alternative, then one part per picture, each with its Content-ID, which the HTML names as `cid:…`,
 * so mail clients show it without loading anything remote.
 */
export interface MimeMessage extends OutgoingEmail {
  /** The From header's value, as given (`Gen3D <no-reply@example.com>` or a bare address). */
  readonly from: string;
  readonly date: Date;
  /** `<id@host>`; absent when the provider sets its own (SES does). */
  readonly messageId?: string;
  /** A token unique to this message: the multipart boundaries are made from it. */
  readonly boundary: string;
}

/** A Content-ID and a file name as headers may carry them: no quotes, no spaces, no line breaks, no angle brackets. */
const SAFE_TOKEN = /^[A-Za-z0-9._@-]{1,200}$/;

/** The bytes of one message, CRLF line ends. @example formatMimeMessage({ ...email, from, date, boundary: 'b1' }) */
export function formatMimeMessage(mail: MimeMessage): Buffer {
  const images = mail.inlineImages ?? [];
  const alternative = `${mail.boundary}-alt`;
  const related = `${mail.boundary}-rel`;
  const headers = [
    `From: ${oneLine(mail.from)}`,
    `To: ${oneLine(mail.to)}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${rfc5322Date(mail.date)}`,
    ...(mail.messageId ? [`Message-ID: ${mail.messageId}`] : []),
    'MIME-Version: 1.0',
  ];
  const body = alternativeBody(mail, alternative);
  const lines =
    images.length === 0
      ? [...headers, ...body]
      : [
          ...headers,
          `Content-Type: multipart/related; boundary="${related}"; type="multipart/alternative"`,
          '',
          'This is a multi-part message in MIME format.',
          `--${related}`,
          ...body,
          ...images.flatMap((image) => [`--${related}`, ...imagePart(image)]),
          `--${related}--`,
        ];
  return Buffer.from([...lines, ''].join('\r\n'), 'ascii');
}

/** The text and the HTML as multipart/alternative: its Content-Type line, a blank line, the parts. */
function alternativeBody(mail: OutgoingEmail, boundary: string): string[] {
  const part = (type: string, body: string) => [
    `--${boundary}`,
    `Content-Type: ${type}; charset=UTF-8`,
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(body),
  ];
  return [
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    ...part('text/plain', mail.text),
    ...part('text/html', `<!DOCTYPE html>\n<html><body>\n${mail.html}\n</body></html>`),
    `--${boundary}--`,
  ];
}

function imagePart(image: InlineImage): string[] {
  if (!SAFE_TOKEN.test(image.cid) || !SAFE_TOKEN.test(image.fileName)) {
    throw new TypeError(`an inline image's cid and file name must match ${String(SAFE_TOKEN)}`);
  }
  if (!/^image\/[a-z0-9.+-]+$/.test(image.contentType)) {
    throw new TypeError(`an inline image must be an image/* type, not ${JSON.stringify(image.contentType)}`);
  }
  const base64 = Buffer.from(image.bytes).toString('base64');
  return [
    `Content-Type: ${image.contentType}; name="${image.fileName}"`,
    'Content-Transfer-Encoding: base64',
    `Content-ID: <${image.cid}>`,
    `Content-Disposition: inline; filename="${image.fileName}"`,
    '',
    ...(base64.match(/.{1,76}/g) ?? []),
  ];
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
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
