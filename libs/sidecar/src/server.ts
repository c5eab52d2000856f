import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  DocumentParseError,
  parseInferenceRequestJson,
  type InferenceRequest,
  type JobErrorType,
} from '@gen3d/events';
import { forJob, type Logger } from '@gen3d/logging';
import { JobFailure, QueueFullError, RequestTooLargeError } from './errors';
import { failJob, runJob, type JobDeps, type JobOutcome } from './job';
import type { Limiter } from './limiter';
import { sendJson } from '@gen3d/runtime';

export interface SidecarDeps {
  readonly limiter: Limiter;
  readonly isReady: () => boolean;
  readonly jobDeps: (log: Logger) => JobDeps;
  readonly maxRequestBytes: number;
  readonly log: Logger;
}

/** The HTTP edge's map from a job's error type to the status SageMaker sees (any non-2xx is a failed inference). */
const HTTP_STATUS: Readonly<Record<JobErrorType, number>> = {
  EmptyImageError: 422,
  NotAPngError: 422,
  CorruptImageError: 422,
  ImageTooLargeError: 413,
  NoObjectFoundError: 422,
  InvalidKeyError: 400,
  InvalidRequestError: 400,
  InputMissingError: 404,
  BackendUnavailableError: 503,
  WorkerCrashedError: 503,
  JobTimeoutError: 504,
  OverloadedError: 429,
  LimitReachedError: 429,
  InternalError: 500,
};

type Refusal = { readonly refused: true; readonly status: number; readonly message: string };

/**
 * The SageMaker container contract: GET /ping, POST /invocations (body: the inference request document).
 * A body is size-checked before it is read, and read and parsed only once a job slot is free, so that waiting
 * requests cost a socket, not memory. When the queue is full too, the request is read (it is small: size-checked)
 * only to write its failure document, so that the user hears of it.
 */
export function createSidecarServer(deps: SidecarDeps): Server {
  return createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      deps.log.error({ err: error }, 'request handling failed');
      if (!res.headersSent)
        sendJson(res, 500, { error: { type: 'InternalError', message: 'unexpected error' } });
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: SidecarDeps): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/ping') {
    const ready = deps.isReady();
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
    return;
  }
  if (req.method !== 'POST' || path !== '/invocations') {
    sendJson(res, 404, {
      error: { type: 'InvalidRequestError', message: `no route for ${req.method} ${path}` },
    });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > deps.maxRequestBytes) {
    refuse(res, deps, {
      refused: true,
      status: 413,
      message: `the request is ${declared} bytes; the limit is ${deps.maxRequestBytes}`,
    });
    return;
  }
  let result: Refusal | JobOutcome;
  try {
    result = await deps.limiter.run(async () => {
      const request = await readRequest(req, deps.maxRequestBytes);
      if ('refused' in request) return request;
      return runJob(request, deps.jobDeps(forJob(deps.log, request.jobId, { userId: request.userId })));
    });
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    await queueFull(req, res, deps, error);
    return;
  }
  if ('refused' in result) refuse(res, deps, result);
  else if (result.ok) sendJson(res, 200, result.result);
  else sendJson(res, HTTP_STATUS[result.failure.error.type], result.failure);
}

/** 429 with the failure document: the job is over as far as SageMaker is concerned, so the user must hear of it. */
async function queueFull(
  req: IncomingMessage,
  res: ServerResponse,
  deps: SidecarDeps,
  error: QueueFullError,
): Promise<void> {
  res.setHeader('Retry-After', '5');
  const request = await readRequest(req, deps.maxRequestBytes);
  if ('refused' in request) {
    refuse(res, deps, { ...request, status: 429, message: `${error.message}; ${request.message}` });
    return;
  }
  const log = forJob(deps.log, request.jobId, { userId: request.userId });
  log.warn({ reason: error.message }, 'invocation refused: queue full');
  const failure = await failJob(
    request,
    new JobFailure('OverloadedError', 'queue', `the container's queue is full: ${error.message}`, {
      cause: error,
    }),
    deps.jobDeps(log),
  );
  sendJson(res, HTTP_STATUS.OverloadedError, failure);
}

function refuse(res: ServerResponse, deps: SidecarDeps, refusal: Refusal): void {
  deps.log.warn({ reason: refusal.message }, 'invocation refused');
  if (refusal.status === 413) {
    res.setHeader('Connection', 'close');
    res.once('finish', () => res.req.destroy());
  }
  sendJson(res, refusal.status, { error: { type: 'InvalidRequestError', message: refusal.message } });
}

async function readRequest(req: IncomingMessage, maxBytes: number): Promise<InferenceRequest | Refusal> {
  try {
    return parseInferenceRequestJson((await readBody(req, maxBytes)).toString('utf8'));
  } catch (error) {
    if (error instanceof RequestTooLargeError) return { refused: true, status: 413, message: error.message };
    if (error instanceof DocumentParseError) return { refused: true, status: 400, message: error.message };
    throw error;
  }
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        // Stop reading (nothing more is buffered) but keep the socket, so the 413 can still be answered; the
        // answer closes the connection and the unread rest with it.
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(new RequestTooLargeError(`the request is larger than ${maxBytes} bytes`));
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
