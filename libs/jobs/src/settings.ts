import {
  BUCKET_NAME,
  ConfigError,
  EMAIL_ADDRESS,
  integerSetting,
  parsedSetting,
  textSetting,
} from '@gen3d/runtime';

/**
 * The settings more than one part of Gen3D reads (the Lambdas, the API, the sidecar, the local stack), each defined
 * once: variable name, parser, default, limits. See Setting in @gen3d/runtime.
 */

/** The longest a presigned link may work: 7 days, the limit of SigV4. */
export const MAX_LINK_EXPIRY_SECONDS = 7 * 24 * 3600;
/** The largest picture an upload may be, wherever it comes from (web form, CLI, operator), and the sidecar reads. */
export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export const DATA_BUCKET = textSetting('DATA_BUCKET', BUCKET_NAME, 'an S3 bucket name');
export const ADMIN_EMAIL = textSetting('ADMIN_EMAIL', EMAIL_ADDRESS, 'an email address');
export const SOURCE_EMAIL = textSetting('SOURCE_EMAIL', EMAIL_ADDRESS, 'an email address');
/** How long a download link in an email works. */
export const LINK_EXPIRY_SECONDS = integerSetting(
  'LINK_EXPIRY_SECONDS',
  MAX_LINK_EXPIRY_SECONDS,
  60,
  MAX_LINK_EXPIRY_SECONDS,
);
export const MAX_UPLOAD_BYTES = integerSetting(
  'MAX_UPLOAD_BYTES',
  DEFAULT_MAX_UPLOAD_BYTES,
  1,
  100 * 1024 * 1024,
);
/**
 * How long uploads and results are kept, in days, counted from their creation: S3 lifecycle rules in AWS, the
 * sweeper in the local stack; the result email and the web page say until when.
 */
export const RETENTION_DAYS = integerSetting('RETENTION_DAYS', 30, 1, 3650);

/** Jobs a session may have in progress: checked by the API when granting, counted again by extract. */
export const MAX_ACTIVE_JOBS_PER_USER = integerSetting('MAX_ACTIVE_JOBS_PER_USER', 3, 1, 100);
/** Web uploads per mailbox per UTC day. */
export const ADDRESS_DAILY_CAP = integerSetting('ADDRESS_DAILY_CAP', 20, 1, 10_000);

/**
 * The web app's address (`…/index.html` or an origin with `/`): https, or http on 127.0.0.1 or localhost; no query
 * and no fragment (links append `#job=…`).
 *
 * @example parseWebUrl('http://127.0.0.1:4300') // 'http://127.0.0.1:4300/'
 */
export function parseWebUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`WEB_URL is not a URL: ${JSON.stringify(value)}`);
  }
  const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new ConfigError('WEB_URL must use https (http only for 127.0.0.1 or localhost)');
  }
  if (parsed.hash || parsed.search) throw new ConfigError('WEB_URL must have no query and no fragment');
  return parsed.href;
}

export const WEB_URL = parsedSetting(
  'WEB_URL',
  parseWebUrl,
  'the web app address, e.g. https://host/index.html',
);
