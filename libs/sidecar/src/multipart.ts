/** One part of a multipart/form-data body: its field name, its content type and its bytes (a view, not a copy). */
export interface Part {
  readonly name: string;
  readonly contentType: string | undefined;
  readonly bytes: Uint8Array;
}

/**
 * The parts of a multipart/form-data body (RFC 7578), by field name. A plain scan for the boundary: the worker's
 * answer carries a mesh of megabytes, which undici's FormData parser takes some 20 ms to split on this machine.
 * Undefined when the body is not well-formed multipart for this boundary.
 *
 * @example readMultipart(body, 'gen3d-1')?.get('ply')?.bytes
 */
export function readMultipart(body: Uint8Array, boundary: string): Map<string, Part> | undefined {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, Part>();
  let at = buffer.indexOf(delimiter);
  if (at !== 0) return undefined;
  for (;;) {
    at += delimiter.length;
    if (buffer.subarray(at, at + 2).toString('latin1') === '--') return parts; // the closing delimiter
    if (buffer.subarray(at, at + 2).toString('latin1') !== '\r\n') return undefined;
    const headersEnd = buffer.indexOf('\r\n\r\n', at + 2);
    if (headersEnd < 0) return undefined;
    const next = buffer.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) return undefined;
    const headers = buffer.subarray(at + 2, headersEnd).toString('utf8');
    const name = /^content-disposition:.*?\bname="([^"]*)"/im.exec(headers)?.[1];
    if (name === undefined) return undefined;
    const contentType = /^content-type:\s*([^\r\n;]+)/im.exec(headers)?.[1]?.trim();
    parts.set(name, { name, contentType, bytes: buffer.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
}

/** The boundary a multipart/form-data content type names, if any. */
export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
