import {
  MessageRejected,
  SendRawEmailCommand,
  type SESClient,
  type SendEmailCommand,
} from '@aws-sdk/client-ses';
import { simpleParser } from 'mailparser';
import { PermanentMailError } from './errors';
import { SesMailer } from './ses';

/** Just enough of the SES client to see the command it is sent, or to refuse it. */
function client(answer: () => Promise<unknown>) {
  const sent: SendEmailCommand['input'][] = [];
  const raw: SendRawEmailCommand['input'][] = [];
  const fake = {
    send: async (command: SendEmailCommand | SendRawEmailCommand) => {
      if (command instanceof SendRawEmailCommand) raw.push(command.input);
      else sent.push(command.input);
      return answer();
    },
  };
  return { sent, raw, ses: fake as unknown as SESClient };
}

const email = { to: 'ann@example.com', subject: 'Your 3D model is ready', text: 't', html: '<p>t</p>' };

describe('the SES mailer', () => {
  it('sends from the source address through the configuration set when one is given', async () => {
    const { sent, ses } = client(async () => ({ MessageId: 'm1' }));
    expect(await new SesMailer(ses, 'noreply@example.com', 'gen3d-mail').send(email)).toBe('m1');
    await new SesMailer(ses, 'noreply@example.com').send(email);
    expect(sent.map((s) => [s.Source, s.ConfigurationSetName])).toEqual([
      ['noreply@example.com', 'gen3d-mail'],
      ['noreply@example.com', undefined],
    ]);
    expect(sent[0]?.Destination?.ToAddresses).toEqual(['ann@example.com']);
  });

  it('sends an email with inline pictures raw: multipart/related, the picture named by its Content-ID', async () => {
    const { sent, raw, ses } = client(async () => ({ MessageId: 'm2' }));
    const picture = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const withPicture = {
      ...email,
      html: '<p><img src="cid:thumbnail@gen3d" alt="the model"></p>',
      inlineImages: [
        { cid: 'thumbnail@gen3d', contentType: 'image/png', bytes: picture, fileName: 'thumbnail.png' },
      ],
    };
    expect(await new SesMailer(ses, 'noreply@example.com', 'gen3d-mail').send(withPicture)).toBe('m2');
    expect(sent).toEqual([]);
    expect(raw.map((r) => [r.Source, r.Destinations, r.ConfigurationSetName])).toEqual([
      ['noreply@example.com', ['ann@example.com'], 'gen3d-mail'],
    ]);
    const parsed = await simpleParser(Buffer.from(raw[0]!.RawMessage!.Data!));
    expect(parsed.from?.text).toBe('noreply@example.com');
    expect(parsed.subject).toBe('Your 3D model is ready');
    expect(parsed.attachments.map((a) => [a.cid, a.related, Buffer.from(a.content).equals(picture)])).toEqual(
      [['thumbnail@gen3d', true, true]],
    );
  });

  it('turns a refusal no retry changes into PermanentMailError', async () => {
    const refused = new MessageRejected({
      message: 'Email address is on the suppression list',
      $metadata: {},
    });
    const { ses } = client(() => Promise.reject(refused));
    await expect(new SesMailer(ses, 'noreply@example.com').send(email)).rejects.toBeInstanceOf(
      PermanentMailError,
    );
  });
});
