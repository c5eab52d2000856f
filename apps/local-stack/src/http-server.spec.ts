import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@gen3d/logging';
import type { FolderObjectStore } from '@gen3d/object-store';
import { createHttpServer, HTTP_LIMITS, type HttpLimits } from './http-server';
import type { OperatorApi } from './operator-api';

// The local origin against slow and many clients, over loopback with short limits (the stack's are HTTP_LIMITS).
const LIMITS: HttpLimits = {
  requestTimeoutMs: 1500,
  headersTimeoutMs: 1000,
  bodyTimeoutMs: 500,
  maxConnections: 3,
};

async function listening(
  limits: HttpLimits = LIMITS,
  log = createLogger({ service: 'test', level: 'silent' }),
) {
  let host = '';
  const server = createHttpServer({
    routes: () => ({
      store: {} as FolderObjectStore,
      webOrigin: 'http://127.0.0.1',
      operator: {} as OperatorApi,
      api: async (r) => ({ status: 200, body: r.body ?? '' }),
    }),
    webDir: '/nonexistent',
    operatorToken: 'x'.repeat(43),
    health: () => ({}),
    allowedHosts: () => new Set([host]),
    maxUploadBytes: 1000,
    log,
    limits,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  return { server, port, host };
}

/** A raw connection: what it received, and how long after opening it was closed. */
function rawSocket(port: number): { socket: Socket; received: () => string; closedAfter: Promise<number> } {
  const opened = Date.now();
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closedAfter = new Promise<number>((resolve) =>
    socket.on('close', () => resolve(Date.now() - opened)),
  );
  return { socket, received: () => text, closedAfter };
}

describe('the local HTTP origin, against slow and many clients', () => {
  let server: Awaited<ReturnType<typeof listening>>;
  beforeAll(async () => (server = await listening()));
  afterAll(() => new Promise((resolve) => server.server.close(resolve)));

  it('keeps limits well below Node defaults (300 s a request)', () => {
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(HTTP_LIMITS.requestTimeoutMs);
    expect(server.server.requestTimeout).toBe(LIMITS.requestTimeoutMs);
    expect(server.server.headersTimeout).toBe(LIMITS.headersTimeoutMs);
  });

  it('answers 408 to an API body that stops arriving, within its deadline', async () => {
    const started = Date.now();
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: server.port,
        path: '/api/session',
        method: 'POST',
        headers: { host: server.host, 'content-length': '100' },
      });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode)));
      req.on('error', () => resolve(undefined));
      req.write('{"a":'); // and nothing more
    });
    expect(status).toBe(408);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('closes a connection whose headers never end (slowloris)', async () => {
    const slow = rawSocket(server.port);
    slow.socket.write(`GET /health HTTP/1.1\r\nHost: ${server.host}\r\nX-Slow: 1\r\n`);
    expect(await slow.closedAfter).toBeLessThan(3500);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('takes at most maxConnections at once', async () => {
    const idle = [0, 1, 2].map(() => rawSocket(server.port));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = rawSocket(server.port);
    expect(await extra.closedAfter).toBeLessThan(500);
    for (const s of idle) s.socket.destroy();
  });
});

describe('the local HTTP origin’s request log', () => {
  it('logs a download link’s path with its token masked, as the API names its routes', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    };
    const server = await listening(LIMITS, createLogger({ service: 'test', level: 'debug', destination }));
    const token = 'eyJrZXkiOiJ1c2Vycy91MS9vdXRwdXQvY2hhaXIucGx5In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    try {
      const status = await new Promise<number | undefined>((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port: server.port,
          path: `/api/downloads/${token}?x=1`,
          headers: { host: server.host },
        });
        req.on('response', (res) => (res.resume(), res.on('end', () => resolve(res.statusCode))));
        req.on('error', () => resolve(undefined));
        req.end();
      });
      expect(status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const http = lines.filter((line) => line['msg'] === 'http');
      expect(http.map((line) => line['path'])).toEqual(['/api/downloads/:id']);
      expect(JSON.stringify(lines)).not.toContain(token.slice(0, 20));
    } finally {
      await new Promise((resolve) => server.server.close(resolve));
    }
  });
});
