import { MessageRejected, type SESClient, type SendEmailCommand } from '@aws-sdk/client-ses';
import { PermanentMailError } from './errors';
import { SesMailer } from './ses';

/** Just enough of the SES client to see the command it is sent, or to refuse it. */
function client(answer: () => Promise<unknown>) {
  const sent: SendEmailCommand['input'][] = [];
  const fake = {
    send: async (command: SendEmailCommand) => {
      sent.push(command.input);
      return answer();
    },
  };
  return { sent, ses: fake as unknown as SESClient };
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
