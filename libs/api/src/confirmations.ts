import { DocumentParseError, jsonParserFor, type UploadGrant } from '@gen3d/events';
import { changeAddressRecord, confirmAddress, normaliseAddress, releaseHeldResults } from '@gen3d/jobs';
import type { UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import { confirmationLink } from './config';
import type { ApiContext } from './context';
import { confirmationEmail } from './emails';
import { BadRequestError, BusyError } from './errors';
import { json, type ApiResponse } from './http';

/** A confirmation email is not sent again to the same session within this time. */
export const CONFIRMATION_RESEND_MS = 10 * 60 * 1000;
/** How long a confirmation link works. */
export const CONFIRMATION_VALID_SECONDS = 7 * 24 * 3600;

const parseConfirmRequest = jsonParserFor('confirmation request', z.strictObject({ token: z.string() }));

/**
 * Sends the "is this your address?" email for one session's upload (its budget was reserved by the caller). The
 * link's token binds the address to that session: following it releases that session's results only. When the
 * mailer fails, the reservation is given back so that the next upload may try at once.
 */
export async function sendConfirmation(
  context: ApiContext,
  ask: { to: string; userId: UserId; pictureName: string; expiresAt: Date; now: Date },
): Promise<UploadGrant['address']['confirmation']> {
  const { deps, log } = context;
  const token = deps.tokens.sign({
    k: 'c',
    a: normaliseAddress(ask.to),
    u: ask.userId,
    exp: Math.floor(ask.expiresAt.getTime() / 1000),
  });
  try {
    await deps.sendEmail(
      confirmationEmail({
        to: ask.to.trim(),
        link: confirmationLink(deps.config.webUrl, token),
        expiresAt: ask.expiresAt,
        pictureName: ask.pictureName,
      }),
    );
    return 'sent';
  } catch (error) {
    log.warn({ errorType: (error as Error).name }, 'the confirmation email could not be sent');
    const at = ask.now.toISOString();
    await changeAddressRecord(deps.data, ask.to, (current) => ({
      ...current,
      sends: current.sends.filter((s) => !(s.userId === ask.userId && s.at === at)),
    }));
    return 'failed';
  }
}

/**
 * POST /confirm {token}: the owner of an address followed the link sent for one session's upload. That session's
 * results may now be emailed there, and those that finished before are emailed now, each once (the notify core's
 * composition and lock). Results of other sessions for the same address stay held. Confirming again finishes what
 * a failed attempt left.
 */
export async function confirm(context: ApiContext, body: string): Promise<ApiResponse> {
  const { deps, log } = context;
  let token: string;
  try {
    token = parseConfirmRequest(body).token;
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-confirmation', error.message);
    throw error;
  }
  const claims = deps.tokens.verify(token);
  if (claims?.k !== 'c') {
    throw new BadRequestError('bad-confirmation', 'This confirmation link is not valid.');
  }
  const now = deps.now();
  if (claims.exp * 1000 < now.getTime()) {
    throw new BadRequestError(
      'confirmation-expired',
      'This confirmation link has expired; upload again to get a new one.',
    );
  }
  await confirmAddress(deps.data, claims.a, claims.u, now);
  const started = Date.now();
  let released;
  try {
    released = await releaseHeldResults(
      { address: claims.a, userId: claims.u },
      {
        data: deps.data,
        mailer: { send: deps.sendEmail },
        config: {
          webUrl: deps.config.webUrl,
          linkExpirySeconds: deps.config.linkExpirySeconds,
          retentionDays: deps.config.retentionDays,
        },
        clock: deps.now,
        ...(deps.downloadLinks ? { links: deps.downloadLinks } : {}),
      },
      { log, remainingTimeMs: () => deps.config.requestTimeoutMs - (Date.now() - started) },
    );
  } catch (error) {
    log.warn({ err: error }, 'held results could not all be emailed');
    throw new BusyError(
      'results-not-sent',
      'Your address is confirmed, but finished results could not all be emailed yet. Open the link again in a minute.',
    );
  }
  log.info({ ...released }, 'address confirmed');
  return json(200, { confirmed: true, results: { emailed: released.sent, waiting: released.pending } });
}
