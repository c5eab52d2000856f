import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { OutgoingEmail } from '@gen3d/api';

/** Sends the API's confirmation emails through SES, from the configured source address. */
export function sesSender(client: SESClient, source: string) {
  return async (email: OutgoingEmail): Promise<string | undefined> => {
    const out = await client.send(
      new SendEmailCommand({
        Source: source,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: email.text, Charset: 'UTF-8' },
            Html: { Data: email.html, Charset: 'UTF-8' },
          },
        },
      }),
    );
    return out.MessageId;
  };
}
