// An address as it appears in logs: plain, percent-encoded once or twice (a key or URL quoting it), or HTML-escaped
// (an email body, an error page). The local part takes every character RFC 5322 allows unquoted (o'brien+3d@…), so
// no fragment stays in clear.
const AT = String.raw`(?:@|%40|%2540|&#0*64;|&#x0*40;|&commat;|\\u0040)`;
const DOT = String.raw`(?:\.|%2E|%252E|&#0*46;|&#x0*2E;|&period;)`;
const EMAIL = new RegExp(
  String.raw`[A-Za-z0-9.!#$%&'*+/=?^_\x60{|}~-]+${AT}(?:[A-Za-z0-9-]+${DOT})+[A-Za-z]{2,}`,
  'gi',
);
// Query parameters that make a presigned URL usable by whoever reads it (SigV4 and the older SigV2 form), also when
// the URL is itself percent-encoded inside another one, or HTML-escaped (`&amp;`, `&#38;`). The value runs to the
// next parameter: percent escapes are part of it (a session token is full of them), an encoded `&` is not.
const SEPARATOR = String.raw`(?:^|[?&;\s"'(<]|%3F|%26|%253F|%2526)`;
const SECRET_NAME = 'X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId';
const EQUALS = String.raw`(?:=|%3D|%253D|&#0*61;|&#x0*3D;|&equals;)`;
const VALUE = String.raw`(?:[^&\s"'<>%]|%(?!26|2526)[0-9A-F]{2})*`;
const URL_SECRET = new RegExp(`(${SEPARATOR}(?:${SECRET_NAME})${EQUALS})${VALUE}`, 'gi');

/** Deeper than this, a log payload is replaced, not copied: nothing is ever passed through unredacted. */
const MAX_DEPTH = 32;

export const REDACTED_EMAIL = '[email]';
export const REDACTED_SECRET = '[redacted]';

/** Removes email addresses and presigned-URL secrets from a string. */
export function redactText(text: string): string {
  return text.replace(URL_SECRET, `$1${REDACTED_SECRET}`).replace(EMAIL, REDACTED_EMAIL);
}

/**
 * Deep copy of a log payload with every string redacted. Errors keep their type, message and stack (and their
 * `cause`). Cycles and nesting deeper than {@link MAX_DEPTH} are replaced by a marker.
 */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      return {
        type: value.name,
        message: redactText(value.message),
        stack: value.stack === undefined ? undefined : redactText(value.stack),
        ...(value.cause === undefined ? {} : { cause: redactValue(value.cause, depth + 1, seen) }),
        ...redactRecord(value as unknown as Record<string, unknown>, depth, seen),
      };
    }
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    return redactRecord(value as Record<string, unknown>, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function redactRecord(
  record: Record<string, unknown>,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = redactValue(item, depth + 1, seen);
  return out;
}
