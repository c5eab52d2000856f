import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DocumentParseError, parseInferenceRequest } from '@gen3d/events';
import { forJob, type Logger } from '@gen3d/logging';
import type { JobDeps, JobOutcome } from './job';
import { runJob } from './job';
import { Limiter, QueueFullError } from './limiter';

export interface SidecarDeps {
  readonly limiter: Limiter;
  readonly isReady: () => boolean;
  readonly jobDeps: (log: Logger) => JobDeps;
  readonly maxRequestBytes: number;
  readonly log: Logger;
}

class RequestTooLargeError extends Error {}

/** The SageMaker container contract: GET /ping, POST /invocations (body: the inference request document). */
export function createSidecarServer(deps: SidecarDeps): Server {
  return createServer((req, res) => {
    void handle(req, res, deps).catch((error: unknown) => {
      deps.log.error({ err: error }, 'request handling failed');
      if (!res.headersSent) send(res, 500, { error: { type: 'InternalError', message: 'unexpected error' } });
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: SidecarDeps): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/ping') {
    const ready = deps.isReady();
    send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
    return;
  }
  if (req.method !== 'POST' || path !== '/invocations') {
    send(res, 404, { error: { type: 'InvalidRequestError', message: `no route for ${req.method} ${path}` } });
    return;
  }
  let request;
  try {
    request = parseInferenceRequest(JSON.parse((await readBody(req, deps.maxRequestBytes)).toString('utf8')));
  } catch (error) {
    const tooLarge = error instanceof RequestTooLargeError;
    const message =
      error instanceof DocumentParseError || tooLarge
        ? error.message
        : `not JSON: ${(error as Error).message}`;
    deps.log.warn({ reason: message }, 'invocation refused');
    if (tooLarge) res.setHeader('Connection', 'close');
    send(res, tooLarge ? 413 : 400, { error: { type: 'InvalidRequestError', message } });
    return;
  }
  const log = forJob(deps.log, request.jobId, { userId: request.userId });
  let outcome: JobOutcome;
  try {
    outcome = await deps.limiter.run(() => runJob(request, deps.jobDeps(log)));
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    log.warn({ reason: error.message }, 'invocation refused: queue full');
    res.setHeader('Retry-After', '5');
    send(res, 429, { error: { type: 'OverloadedError', message: error.message } });
    return;
  }
  if (outcome.ok) send(res, 200, outcome.result);
  else send(res, outcome.status, outcome.failure);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(
      new RequestTooLargeError(`the request is ${declared} bytes; the limit is ${maxBytes}`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        reject(new RequestTooLargeError(`the request is larger than ${maxBytes} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
