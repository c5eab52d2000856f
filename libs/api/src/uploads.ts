import {
  BoxSchema,
  DocumentParseError,
  FormatsSchema,
  jsonParserFor,
  PointsSchema,
  QUALITIES,
  ShapeSchema,
  TargetFacesSchema,
  uploadMetadataFor,
  type UploadGrant,
  type UploadOptions,
} from '@gen3d/events';
import {
  acceptedOn,
  activeJobsOf,
  addressHashOf,
  addressKeyOf,
  changeAddressRecord,
  confirmsFor,
  listJobStatuses,
  readAddressRecord,
  utcDay,
  type AddressRecord,
} from '@gen3d/jobs';
import { buildInputKey, InvalidKeyError, MAX_NAME_BYTES, utf8Bytes, type UserId } from '@gen3d/s3-keys';
import { z } from 'zod';
import type { ApiContext } from './context';
import {
  readUserRecord,
  spendBudget,
  updateDocument,
  parseUserRecordJson,
  userKeyOf,
  type UserRecord,
} from './documents';
import { sendConfirmation, CONFIRMATION_RESEND_MS, CONFIRMATION_VALID_SECONDS } from './confirmations';
import { BadRequestError, BusyError, RateLimitedError, UnauthorizedError } from './errors';
import { json, type ApiResponse } from './http';

const MAX_GRANTS_KEPT = 50;
const DAY_MS = 24 * 3600 * 1000;

const UploadRequestSchema = z.strictObject({
  fileName: z.string().min(1).max(1000),
  size: z.number().int().nonnegative(),
  email: z.string().trim().pipe(z.email().max(254)),
  point: z
    .strictObject({ x: z.number().int().min(0).max(99_999), y: z.number().int().min(0).max(99_999) })
    .optional(),
  quality: z.enum(QUALITIES).optional(),
  /** Prompts and outputs of issue 12, as the job options name them; written as upload metadata by libs/events. */
  points: PointsSchema.optional(),
  box: BoxSchema.optional(),
  formats: FormatsSchema.optional(),
  targetFaces: TargetFacesSchema.optional(),
  shape: ShapeSchema.optional(),
});
type UploadRequest = z.output<typeof UploadRequestSchema>;
const parseUploadRequest = jsonParserFor('upload request', UploadRequestSchema);

// C0/C1 controls, separators, and bidi/line-separator characters: s3-keys refuses them in names.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[/\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The stored name of an upload: what the user called the file (cleaned, cut to whole characters so that the name
 * with its suffix fits MAX_NAME_BYTES of UTF-8, and so every key derived from it fits) plus a random suffix, so that
 * every upload is its own job and an email link opens exactly that one.
 *
 * @example uploadNameFor('Chaise café.PNG', 'k3f9q2') // 'Chaise café-k3f9q2'
 */
export function uploadNameFor(fileName: string, suffix: string): string {
  const stem = fileName
    .normalize('NFC')
    .replace(/\.png$/i, '')
    .replace(UNSAFE_IN_NAME, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const room = MAX_NAME_BYTES - utf8Bytes(`-${suffix}`);
  let short = '';
  for (const character of [...stem].slice(0, 120)) {
    if (utf8Bytes(short + character) > room) break;
    short += character;
  }
  short = short.trim();
  const name = `${short === '' || short === '.' || short === '..' ? 'picture' : short}-${suffix}`;
  try {
    buildInputKey({ userId: 'u', name });
    return name;
  } catch (error) {
    if (error instanceof InvalidKeyError) return `picture-${suffix}`;
    throw error;
  }
}

function secondsToNextUtcDay(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function parseRequest(body: string, maxUploadBytes: number): UploadRequest {
  let upload: UploadRequest;
  try {
    upload = parseUploadRequest(body);
  } catch (error) {
    if (error instanceof DocumentParseError) throw new BadRequestError('bad-upload', error.message);
    throw error;
  }
  if (!/\.png$/i.test(upload.fileName)) {
    throw new BadRequestError('not-png', 'Only PNG pictures can be uploaded.');
  }
  if (upload.size === 0) throw new BadRequestError('empty', 'The file is empty.');
  if (upload.size > maxUploadBytes) {
    throw new BadRequestError(
      'too-large',
      `The file is larger than ${Math.floor(maxUploadBytes / 1024 / 1024)} MB.`,
    );
  }
  return upload;
}

/**
 * POST /uploads: a presigned POST form for one new picture (one key under the caller's input area, PNG, a size
 * range, the metadata; short-lived, and claimed once by the extract function). Refused with 429 when the session
 * has its jobs in progress, when the mailbox had its uploads of the day, or when a confirmation email would be
 * needed and its budget (per session, per mailbox, for everyone) is spent.
 */
export async function createUpload(context: ApiContext, body: string, userId: UserId): Promise<ApiResponse> {
  const upload = parseRequest(body, context.deps.config.maxUploadBytes);
  const grant = await grantUpload(context, userId, upload);
  return json(201, await signForm(context, userId, grant, upload));
}

/** An upload the API allowed: its fresh name, and where its address stands. */
export interface Grant {
  readonly name: string;
  readonly email: string;
  readonly address: UploadGrant['address'];
}

/**
 * The checks and the bookkeeping of every new job a session asks for (an upload, a retry): the session's jobs in
 * progress (granted ones included), the mailbox's uploads of the day, the confirmation email (sent when needed, within
 * its budgets), then a fresh name recorded as granted. Throws 429 (RateLimitedError) or 401 as POST /uploads does.
 */
export async function grantUpload(
  context: ApiContext,
  userId: UserId,
  wish: { readonly fileName: string; readonly email: string },
): Promise<Grant> {
  const { deps, log } = context;
  const { config } = deps;
  const now = deps.now();
  const user = await readUserRecord(deps.data, userId);
  if (!user) throw new UnauthorizedError('no-session', 'This session is unknown here; start a new one.');

  const statuses = await listJobStatuses(deps.data, userId, {
    onUnreadable: (key) => log.warn({ key }, 'an unreadable job status was skipped'),
  });
  const active = activeJobsOf(statuses, now).length;
  const known = new Set(statuses.map((s) => s.name));
  const grantLifeMs = (config.uploadExpirySeconds + 120) * 1000;
  const pending = (record: UserRecord) =>
    record.grants.filter((g) => !known.has(g.name) && now.getTime() - Date.parse(g.grantedAt) < grantLifeMs);
  const checkQuota = (record: UserRecord) => {
    if (active + pending(record).length >= config.limits.maxActiveJobsPerUser) {
      throw new RateLimitedError(
        'too-many-jobs',
        `You already have ${config.limits.maxActiveJobsPerUser} pictures in progress. Please wait until one is done.`,
        30,
      );
    }
  };
  checkQuota(user);

  const mailbox = await readAddressRecord(deps.data, wish.email);
  const confirmed = confirmsFor(mailbox, wish.email, userId);
  // Confirmed: the mailbox's uploads of the day; not yet: this session's own, so strangers never use up the owner's.
  if (acceptedOn(mailbox, utcDay(now), { address: wish.email, userId }) >= config.limits.addressDailyCap) {
    throw new RateLimitedError(
      'address-daily-cap',
      confirmed
        ? `This email address has reached its ${config.limits.addressDailyCap} pictures for today.`
        : `This browser has sent ${config.limits.addressDailyCap} pictures for this email address today.`,
      secondsToNextUtcDay(now),
    );
  }
  const ask = confirmed ? 'no' : decideConfirmation(context, mailbox, user, wish.email, userId, now);
  if (ask === 'send') await reserveConfirmation(context, wish.email, userId, now);

  const name = uploadNameFor(wish.fileName, deps.random(6).toString('hex').slice(0, 8));
  // The mailbox's record key names it (plus-tags and dots dropped), so spellings of one mailbox count once.
  const mailboxKey = addressKeyOf(wish.email);
  await updateDocument<UserRecord>(
    deps.data,
    userKeyOf(userId),
    parseUserRecordJson,
    () => user,
    (current) => {
      checkQuota(current);
      const asked = current.asked.filter((a) => now.getTime() - Date.parse(a.at) < DAY_MS);
      return {
        ...current,
        grants: [...pending(current), { name, grantedAt: now.toISOString() }].slice(-MAX_GRANTS_KEPT),
        asked: ask === 'send' ? [...asked, { mailbox: mailboxKey, at: now.toISOString() }] : asked,
      };
    },
  );

  let confirmation: UploadGrant['address']['confirmation'] = confirmed ? 'not-needed' : 'pending';
  if (ask === 'send') {
    const expiresAt = new Date(now.getTime() + CONFIRMATION_VALID_SECONDS * 1000);
    confirmation = await sendConfirmation(context, {
      to: wish.email,
      userId,
      pictureName: name,
      expiresAt,
      now,
    });
  }
  return { name, email: wish.email.trim(), address: { confirmed, confirmation } };
}

/**
 * Whether this upload sends a confirmation email: 'send' when this session had none for this mailbox (any spelling)
 * in the last ten minutes and every budget allows one; 'wait' when its earlier link for this exact spelling still
 * works. Throws 429 when a link is needed and none may be sent: another spelling of the mailbox had one in the last
 * ten minutes (retry when they are over), the session named too many mailboxes today, or the mailbox had its emails
 * of the day (other spellings of one mailbox share its budget).
 */
function decideConfirmation(
  context: ApiContext,
  mailbox: AddressRecord | undefined,
  user: UserRecord,
  address: string,
  userId: UserId,
  now: Date,
): 'send' | 'wait' {
  const { config } = context.deps;
  const sends = mailbox?.sends ?? [];
  // The record is the mailbox's: ten minutes per session and mailbox, whatever the spelling (a+1@x, A.@x, …).
  const mine = sends.filter((s) => s.userId === userId);
  const lastOf = (list: typeof sends) => Math.max(0, ...list.map((s) => Date.parse(s.at)));
  // A link confirms the exact address it was sent to: only one for this spelling lets an upload wait on it.
  const exact = addressHashOf(address);
  const lastExact = lastOf(mine.filter((s) => s.address === exact));
  const hasLink = now.getTime() - lastExact < CONFIRMATION_VALID_SECONDS * 1000;
  const sinceLast = now.getTime() - lastOf(mine);
  if (sinceLast < CONFIRMATION_RESEND_MS) {
    if (hasLink) return 'wait';
    // Granted, its result would be held with no link that could release it (decision 0024).
    throw new RateLimitedError(
      'confirmation-wait',
      'We just sent this browser a confirmation link for another spelling of this address. Use that spelling, or try again in 10 minutes.',
      Math.ceil((CONFIRMATION_RESEND_MS - sinceLast) / 1000),
    );
  }
  const sentToday = sends.filter((s) => now.getTime() - Date.parse(s.at) < DAY_MS).length;
  if (sentToday >= config.confirmationEmailsPerDay) {
    if (hasLink) return 'wait';
    throw new RateLimitedError(
      'confirmation-limit',
      'This address has received all the confirmation emails it may get today. Try again tomorrow, or use an address you already confirmed.',
      secondsToNextUtcDay(now),
    );
  }
  const key = addressKeyOf(address);
  const askedToday = new Set(
    user.asked.filter((a) => now.getTime() - Date.parse(a.at) < DAY_MS).map((a) => a.mailbox),
  );
  if (!askedToday.has(key) && askedToday.size >= config.confirmationAddressesPerSession) {
    if (hasLink) return 'wait';
    throw new RateLimitedError(
      'too-many-addresses',
      `This browser asked to confirm ${config.confirmationAddressesPerSession} different addresses today; use one of them.`,
      secondsToNextUtcDay(now),
    );
  }
  return 'send';
}

/** Spends the global budget, then records the send in the mailbox (checked again there: concurrent uploads). */
async function reserveConfirmation(
  context: ApiContext,
  address: string,
  userId: UserId,
  now: Date,
): Promise<void> {
  const { config } = context.deps;
  const spent = await spendBudget(
    context.deps.data,
    [
      { what: 'confirmations', per: 'hour', limit: config.confirmationEmailsPerHourTotal },
      { what: 'confirmations', per: 'day', limit: config.confirmationEmailsPerDayTotal },
    ],
    now,
  );
  if (!spent) {
    context.log.warn('the global confirmation email budget is spent');
    throw new BusyError(
      'confirmations-paused',
      'We cannot send confirmation emails right now. Please try again in an hour, or use an address you already confirmed.',
    );
  }
  const validMs = CONFIRMATION_VALID_SECONDS * 1000;
  await changeAddressRecord(context.deps.data, address, (current) => {
    const kept = current.sends.filter((s) => now.getTime() - Date.parse(s.at) < validMs);
    if (
      kept.filter((s) => now.getTime() - Date.parse(s.at) < DAY_MS).length >= config.confirmationEmailsPerDay
    ) {
      throw new RateLimitedError(
        'confirmation-limit',
        'This address has received all the confirmation emails it may get today.',
        secondsToNextUtcDay(now),
      );
    }
    return {
      ...current,
      sends: [...kept, { userId, address: addressHashOf(address), at: now.toISOString() }],
    };
  });
}

/**
 * The metadata of a granted upload, as the extract function reads it: where the result goes, the job's options, and
 * the upload's access token (which marks it granted: extract claims it once and counts the limits).
 */
export function grantedMetadata(
  context: ApiContext,
  userId: UserId,
  grant: Grant,
  options: UploadOptions,
): Record<string, string> {
  return {
    email: grant.email,
    ...uploadMetadataFor(options),
    access: context.deps.tokens.sign({ k: 'a', u: userId, n: grant.name }),
  };
}

async function signForm(
  context: ApiContext,
  userId: UserId,
  grant: Grant,
  upload: UploadRequest,
): Promise<UploadGrant> {
  const { deps } = context;
  const key = buildInputKey({ userId, name: grant.name });
  const metadata = grantedMetadata(context, userId, grant, {
    quality: upload.quality ?? 'standard',
    ...(upload.point ? { point: upload.point } : {}),
    ...(upload.points ? { points: upload.points } : {}),
    ...(upload.box ? { box: upload.box } : {}),
    ...(upload.formats ? { formats: upload.formats } : {}),
    ...(upload.targetFaces !== undefined ? { targetFaces: upload.targetFaces } : {}),
    ...(upload.shape ? { shape: upload.shape } : {}),
  });
  const post = await deps.signUpload(key, {
    contentType: 'image/png',
    minBytes: 1,
    maxBytes: deps.config.maxUploadBytes,
    metadata,
    expiresInSeconds: deps.config.uploadExpirySeconds,
  });
  context.log.info({ confirmation: grant.address.confirmation }, 'upload granted');
  return {
    name: grant.name,
    key,
    upload: { url: post.url, fields: post.fields, expiresAt: post.expiresAt.toISOString() },
    address: grant.address,
  };
}
