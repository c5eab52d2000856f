import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { routeName } from '@gen3d/api';
import type { Logger } from '@gen3d/logging';
import { FolderObjectStore, ObjectMissingError, PresignedRequestError } from '@gen3d/object-store';
import { receiveFormUpload } from './form-upload';
import { HttpError } from './http-errors';
import { dropRefusedBody } from './refused-body';
import type { OperatorApi } from './operator-api';
import { sendJson } from '@gen3d/runtime';

export { HttpError };

/** The API of issue 11 (libs/api), as the local stack mounts it under /api: plain request in, plain response out. */
export interface MountedApi {
  (request: {
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    body?: string;
  }): Promise<{ status: number; headers?: Record<string, string>; body?: string }>;
}

/** What the routes serve, known once the stack is wired (its port is in the links the store signs). */
export interface Routes {
  readonly store: FolderObjectStore;
  /** The web UI's origin: browser uploads (POST /s3/…) and API calls come from there. */
  readonly webOrigin: string;
  readonly operator: OperatorApi;
  readonly api: MountedApi | undefined;
}

export interface HttpServerDeps {
  /** Undefined while the stack is starting (503). */
  readonly routes: () => Routes | undefined;
  /** The built web UI, served at `/` (GET only; files under it only). */
  readonly webDir: string;
  readonly operatorToken: string;
  /** What the operator's `/local/health` shows (paths, process ids); the public `/health` says only "ok". */
  readonly health: () => Record<string, unknown>;
  /**
   * The `Host` values this origin answers to (`127.0.0.1:4300`, `localhost:4300`, …): any other is refused, so that a
   * web page on another name (DNS rebinding) cannot reach the stack through a victim's browser.
   */
  readonly allowedHosts: () => ReadonlySet<string>;
  readonly maxUploadBytes: number;
  readonly log: Logger;
  /** HTTP_LIMITS unless given (tests use shorter ones). */
  readonly limits?: HttpLimits;
}

/**
 * How long and how many: Node's defaults let one request take 300 s and take any number of connections, so a few
 * slow clients could hold the stack. A request (its body included) has 30 s, its headers 10 s; a body read whole
 * (the API's, the operator's) has `bodyTimeoutMs` from its first byte read.
 */
export interface HttpLimits {
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxConnections: number;
}

export const HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 20_000,
  maxConnections: 256,
};

/**
 * The local stack's one HTTP origin (127.0.0.1 by default):
 *   GET  /health                      the stack and its sidecar
 *   GET  /s3/{bucket}/{key}?…         presigned GET links of the folder store (403 when expired or altered)
 *   POST /s3/{bucket}                 browser uploads with a presigned POST form (403 outside the policy)
 *   /api/…                            the web API (libs/api), prefix stripped
 *   /local/…                          operator routes for the CLI (bearer token from .gen3d/operator.token)
 */
export function createHttpServer(deps: HttpServerDeps): Server {
  const limits = deps.limits ?? HTTP_LIMITS;
  const options = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // How often those two are checked (Node's default, 30 s, would double them).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const server = createServer(options, (req, res) => {
    const started = performance.now();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    void route(req, res, deps, limits)
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : statusOf(error);
        if (status >= 500)
          deps.log.error({ err: error, method: req.method, path: loggedPathOf(req) }, 'request failed');
        if (res.headersSent) return void res.destroy();
        // A body not read to its end (too large, refused before its file): the answer goes out at once, the rest
        // is read and dropped within limits (refused-body.ts).
        if (!req.complete) dropRefusedBody(req, res);
        sendJson(res, status, { error: { type: (error as Error).name, message: (error as Error).message } });
      })
      .finally(() => {
        deps.log.debug(
          {
            method: req.method,
            path: loggedPathOf(req),
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'http',
        );
      });
  });
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * The path as logged: without its query (presigned links' signatures), and the API's ids masked as the API logs them
 * (routeName), so that no download link token or job id lands in the log.
 */
function loggedPathOf(req: Pick<IncomingMessage, 'url'>): string {
  const path = (req.url ?? '/').split('?')[0] as string;
  return path.startsWith('/api/') ? `/api${routeName(path.slice('/api'.length))}` : path;
}

function statusOf(error: unknown): number {
  if (error instanceof PresignedRequestError) return 403;
  if (error instanceof ObjectMissingError) return 404;
  if (
    ['FolderKeyError', 'InvalidKeyError', 'ZodError', 'DocumentParseError', 'SyntaxError'].includes(
      (error as Error).name,
    )
  )
    return 400;
  return 500;
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpServerDeps,
  limits: HttpLimits,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  const routes = deps.routes();
  if (!routes) throw new HttpError(503, 'the local stack is starting');
  if (!deps.allowedHosts().has((req.headers.host ?? '').toLowerCase())) {
    throw new HttpError(421, 'this server does not answer to that host name');
  }
  if (method === 'OPTIONS') {
    res.writeHead(204, corsHeaders(routes, req)).end();
    return;
  }
  if (url.pathname === '/health' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname.startsWith('/s3/')) return objectRoute(req, res, url, routes, deps.maxUploadBytes);
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
    if (!routes.api) throw new HttpError(503, 'the web API (libs/api) is not mounted in this build');
    const answer = await routes.api({
      method,
      path: url.pathname.slice(4) || '/',
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      ),
      ...(method === 'GET' || method === 'HEAD'
        ? {}
        : { body: (await readBody(req, 1024 * 1024, limits.bodyTimeoutMs)).toString('utf8') }),
    });
    res.writeHead(answer.status, { ...corsHeaders(routes, req), ...answer.headers });
    res.end(answer.body ?? '');
    return;
  }
  if (url.pathname.startsWith('/local/')) {
    checkOperator(req, deps.operatorToken);
    if (url.pathname === '/local/health' && method === 'GET') return sendJson(res, 200, deps.health());
    const body =
      method === 'POST'
        ? JSON.parse((await readBody(req, 64 * 1024, limits.bodyTimeoutMs)).toString('utf8') || '{}')
        : undefined;
    const answer = await routes.operator.handle(
      method,
      url.pathname.slice('/local'.length),
      url.searchParams,
      body,
    );
    return sendJson(res, answer.status, answer.body);
  }
  if (method === 'GET' || method === 'HEAD') return serveWebFile(res, url.pathname, deps.webDir);
  throw new HttpError(404, `no route for ${method} ${url.pathname}`);
}

/** The shortest operator token that opens `/local` (the stack writes 43 characters: 32 random bytes). */
export const MIN_OPERATOR_TOKEN_LENGTH = 32;

/** Sent with every answer: no framing, no type sniffing, no referrer leaking capability links, scripts from here. */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const;

const WEB_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

async function serveWebFile(res: ServerResponse, urlPath: string, webDir: string): Promise<void> {
  const root = path.resolve(webDir);
  const file = path.resolve(root, `.${decodePath(urlPath === '/' ? '/index.html' : urlPath)}`);
  if (!file.startsWith(root + path.sep)) throw new HttpError(403, 'outside the web folder');
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    if (urlPath === '/')
      throw new HttpError(404, `the web UI is not built (${webDir}): run npx nx build web`);
    throw new HttpError(404, `no file ${urlPath}`);
  }
  res.writeHead(200, {
    'Content-Type': WEB_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

async function objectRoute(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: Routes,
  maxUploadBytes: number,
): Promise<void> {
  const [bucket = '', ...rest] = url.pathname.slice('/s3/'.length).split('/');
  if (req.method === 'POST' && rest.length === 0) {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUploadBytes + 64 * 1024)
      throw new HttpError(413, `the upload is larger than ${maxUploadBytes} bytes`);
    const stored = await receiveFormUpload(req, deps.store, decodePath(bucket), maxUploadBytes);
    res.writeHead(204, {
      ...corsHeaders(deps, req),
      ETag: stored.eTag,
      'x-amz-version-id': stored.versionId,
      Location: `/s3/${bucket}/${stored.key.split('/').map(encodeURIComponent).join('/')}`,
      'Access-Control-Expose-Headers': 'ETag, x-amz-version-id, Location',
    });
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET, HEAD and POST');
  const key = rest.map(decodePath).join('/');
  const { versionId } = deps.store.verifyGetLink(bucket, key, url.searchParams);
  const info = await deps.store.head(bucket, key, versionId);
  if (!info) throw new HttpError(404, 'no such object');
  res.writeHead(200, {
    'Content-Type': info.contentType ?? 'application/octet-stream',
    'Content-Length': info.size,
    ETag: info.eTag ?? '',
    'Last-Modified': info.lastModified?.toUTCString() ?? '',
    'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(key.split('/').pop() ?? 'download')}`,
    ...corsHeaders(deps, req),
  });
  if (req.method === 'HEAD') return void res.end();
  res.end(Buffer.from(await deps.store.get(bucket, key, Number.MAX_SAFE_INTEGER, versionId)));
}

function corsHeaders(deps: Routes, req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin !== deps.webOrigin) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'content-type, authorization, x-gen3d-access',
    Vary: 'Origin',
  };
}

/** The operator's bearer token (scheme in any case), compared as fixed-length digests; a short secret opens nothing. */
function checkOperator(req: IncomingMessage, token: string): void {
  const match = /^bearer +(\S+)$/i.exec((req.headers.authorization ?? '').trim());
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const given = digest(match?.[1] ?? '');
  if (token.length < MIN_OPERATOR_TOKEN_LENGTH || !match || !timingSafeEqual(given, digest(token))) {
    throw new HttpError(401, 'operator routes need the token in .gen3d/operator.token (the CLI sends it)');
  }
}

/** A path segment decoded; bad percent-encoding (`%E0%A4%A`, `%ZZ`) is the client's mistake: 400, not 500. */
function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (error instanceof URIError) throw new HttpError(400, 'the path has bad percent-encoding');
    throw error;
  }
}

/** A body read whole, at most `maxBytes` (413) within `timeoutMs` (408: the rest is dropped as a refused body). */
function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        clearTimeout(deadline);
        reject(new HttpError(413, `the request is larger than ${maxBytes} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    };
    const deadline = setTimeout(() => {
      req.off('data', onData);
      reject(new HttpError(408, `the request body did not arrive within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    req.on('data', onData);
    req.on('end', () => (clearTimeout(deadline), resolve(Buffer.concat(chunks))));
    req.on('error', (error) => (clearTimeout(deadline), reject(error)));
  });
}
