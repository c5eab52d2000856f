// The local part takes every character RFC 5322 allows unquoted (o'brien+3d@…), so no fragment stays in clear.
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Query parameters that make a presigned URL usable by whoever reads it (SigV4 and the older SigV2 form).
const URL_SECRET =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"'<>]*/gi;

export const REDACTED_EMAIL = '[email]';
export const REDACTED_SECRET = '[redacted]';

/** Removes email addresses and presigned-URL secrets from a string. */
export function redactText(text: string): string {
  return text.replace(URL_SECRET, `$1${REDACTED_SECRET}`).replace(EMAIL, REDACTED_EMAIL);
}

/** Deep copy of a log payload with every string redacted. Errors keep their type, message and stack. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack === undefined ? undefined : redactText(value.stack),
      ...redactRecord(value as unknown as Record<string, unknown>, depth),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  return redactRecord(value as Record<string, unknown>, depth);
}

function redactRecord(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = redactValue(item, depth + 1);
  return out;
}
