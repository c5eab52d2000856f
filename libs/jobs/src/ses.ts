import { randomUUID } from 'node:crypto';
import {
  ConfigurationSetDoesNotExistException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SendRawEmailCommand,
  SESClient,
  SESServiceException,
} from '@aws-sdk/client-ses';
import { PermanentMailError } from './errors';
import { formatMimeMessage } from './mime';
import type { Mailer, OutgoingEmail } from './ports';

/**
 * The mailer port on Amazon SES, for every function that sends (notify: results and failures; the web API:
 * confirmation links and the results a confirmation releases). `@gen3d/jobs/ses`, so that the local stack, which
 * writes an outbox instead, never bundles the SES client.
 */

export function createSesClient(endpoint = process.env['AWS_ENDPOINT_URL']): SESClient {
  // SES throttles at the account's sending rate (1/s in the sandbox): the SDK retries throttling with backoff.
  // Four attempts keep two emails' worth of retries inside the notify function's 15 s timeout (seed).
  return new SESClient({ maxAttempts: 4, ...(endpoint ? { endpoint } : {}) });
}

/**
 * SES refusals that no retry will change: the address or the sender is refused. (A paused account is not one: the
 * event fails, lands in the failure queue and alarms.) `InvalidParameterValue` (a malformed address) has no
 * modelled class: it is matched by its code.
 */
function isPermanent(error: unknown): error is SESServiceException {
  return (
    error instanceof MessageRejected ||
    error instanceof MailFromDomainNotVerifiedException ||
    error instanceof ConfigurationSetDoesNotExistException ||
    (error instanceof SESServiceException && error.name === 'InvalidParameterValue')
  );
}

/**
 * One email, plain text and HTML, from the configured source address, through the configuration set when one is
 * given (SES_CONFIGURATION_SET: the account-level suppression list and the bounce and complaint metrics that the
 * operations stack alarms on). An email with inline pictures goes as a raw MIME message (SendRawEmail: SendEmail
 * cannot carry them); any other as SendEmail. A permanent refusal rejects with PermanentMailError.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly source: string,
    private readonly configurationSet?: string,
  ) {}

  async send(email: OutgoingEmail): Promise<string | undefined> {
    try {
      const out = email.inlineImages?.length
        ? await this.client.send(this.raw(email))
        : await this.client.send(this.simple(email));
      return out.MessageId;
    } catch (error) {
      if (isPermanent(error)) throw new PermanentMailError(error.name, { cause: error });
      throw error;
    }
  }

  private simple(email: OutgoingEmail): SendEmailCommand {
    return new SendEmailCommand({
      Source: this.source,
      Destination: { ToAddresses: [email.to] },
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: email.text, Charset: 'UTF-8' },
          Html: { Data: email.html, Charset: 'UTF-8' },
        },
      },
      ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
    });
  }

  /** multipart/related (the text and HTML alternatives, then the pictures the HTML names by Content-ID). */
  private raw(email: OutgoingEmail): SendRawEmailCommand {
    const message = formatMimeMessage({
      ...email,
      from: this.source,
      date: new Date(),
      boundary: `gen3d-${randomUUID()}`,
    });
    return new SendRawEmailCommand({
      Source: this.source,
      Destinations: [email.to],
      RawMessage: { Data: message },
      ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
    });
  }
}
