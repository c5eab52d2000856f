import {
  ConfigurationSetDoesNotExistException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SESServiceException,
  type SESClient,
} from '@aws-sdk/client-ses';
import type { OutgoingEmail } from '@gen3d/api';
import { PermanentMailError } from '@gen3d/jobs';

/** SES refusals no retry changes (as the notify function classifies them): the address or the sender is refused. */
function isPermanent(error: unknown): error is SESServiceException {
  return (
    error instanceof MessageRejected ||
    error instanceof MailFromDomainNotVerifiedException ||
    error instanceof ConfigurationSetDoesNotExistException ||
    (error instanceof SESServiceException && error.name === 'InvalidParameterValue')
  );
}

/**
 * Sends the API's emails through SES, from the configured source address: confirmation links, and the results a
 * confirmation releases (held until then). A permanent refusal rejects with `PermanentMailError`, so that a held
 * result the provider refuses for good is recorded as done rather than retried on every confirmation.
 */
export function sesSender(client: SESClient, source: string) {
  return async (email: OutgoingEmail): Promise<string | undefined> => {
    try {
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
    } catch (error) {
      if (isPermanent(error)) throw new PermanentMailError(error.name, { cause: error });
      throw error;
    }
  };
}
