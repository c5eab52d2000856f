import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatMimeMessage, type OutgoingEmail } from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';

/** One email as the notify handler (and the API's confirmation mail) hands it to a mailer. */
export type OutgoingMail = OutgoingEmail;

export interface OutboxOptions {
  readonly dir: string;
  /** The sender, as SES's Source would be. */
  readonly from: string;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * The local stack's mailer: every message becomes a standard `.eml` file (RFC 5322, MIME multipart/alternative with
 * a text and an HTML part, UTF-8, quoted-printable; inside multipart/related with the pictures the HTML shows, each
 * base64 with its Content-ID, RFC 2387) that any mail client opens, and one log line: the message SES sends raw.
 * The file appears whole (temp + rename). Returns the Message-ID, as SES returns its MessageId.
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
    options.log.info(
      { to: mail.to, subject: mail.subject, file, inlineImages: mail.inlineImages?.length ?? 0 },
      'mail sent to the outbox',
    );
    return messageId;
  };
}

/** The RFC 5322 text of one message (@gen3d/jobs formatMimeMessage), the sender named Gen3D. */
export function formatEml(
  mail: OutgoingMail & { from: string; date: Date; messageId: string; boundary: string },
): Buffer {
  return formatMimeMessage({ ...mail, from: `Gen3D <${mail.from}>` });
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
