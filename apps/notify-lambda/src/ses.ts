import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import type { Email } from './emails';

export interface OutgoingEmail extends Email {
  readonly to: string;
}

export function createSesClient(endpoint = process.env['AWS_ENDPOINT_URL']): SESClient {
  // SES throttles at the account's sending rate (1/s in the sandbox): the SDK retries throttling with backoff.
  // Four attempts keep two emails' worth of retries inside the function's 15 s timeout (seed).
  return new SESClient({ maxAttempts: 4, ...(endpoint ? { endpoint } : {}) });
}

/** Sends one email, plain text and HTML, from the configured source address. */
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
