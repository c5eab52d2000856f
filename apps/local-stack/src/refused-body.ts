import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RefusedBodyLimits {
  /** Up to this many bytes the connection stays as it is: a small form's sender sees the answer, not a reset. */
  readonly keepOpenBytes: number;
  /** Past this many bytes read after the refusal, the socket is cut whatever the time. */
  readonly maxBytes: number;
  /** This long after the answer went out, the socket is cut whatever was read. */
  readonly ms: number;
}

/** What the local origin reads of a refused request's body: 1 MiB as is, at most 16 MiB or 2 s in all. */
export const REFUSED_BODY_LIMITS: RefusedBodyLimits = {
  keepOpenBytes: 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  ms: 2000,
};

/**
 * Handles the rest of a request body that was refused before it was read to its end (too large, no grant): what the
 * client still sends is read and dropped, never kept, so that the answer reaches it. Past `keepOpenBytes` our side is
 * closed (FIN, once the answer is out) while reading goes on: cutting it there would reset the connection, and a
 * reset discards the answer still waiting in the client's receive buffer. The socket is cut at `maxBytes` read or
 * `ms` after the answer, whichever comes first, so a sender that ignores the answer costs a bounded amount of work.
 *
 * @example if (!req.complete) dropRefusedBody(req, res); sendJson(res, 413, …)
 */
export function dropRefusedBody(
  req: IncomingMessage,
  res: ServerResponse,
  limits: RefusedBodyLimits = REFUSED_BODY_LIMITS,
): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > limits.maxBytes) return void req.socket.destroy();
    if (drained > limits.keepOpenBytes && res.writableFinished && !req.socket.writableEnded) req.socket.end();
  });
  req.resume();
  res.once('finish', () =>
    setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, limits.ms).unref(),
  );
}
