import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { dropRefusedBody, type RefusedBodyLimits } from './refused-body';

/** A server that refuses every POST at once (413) without reading its body, as the local origin does. */
async function refusingServer(limits: RefusedBodyLimits): Promise<Server> {
  const server = createServer((req, res) => {
    dropRefusedBody(req, res, limits);
    res.writeHead(413, { 'content-type': 'text/plain' }).end('too large');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Sends a chunked body that never ends, ignoring the answer and the server's FIN (half-open, as a hostile sender
 * would), until the server cuts the connection.
 */
async function sendUntilCut(port: number): Promise<{ sent: number; answer: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let sent = 0;
    let answer = '';
    const chunk = Buffer.alloc(256 * 1024, 7);
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const pump = () => {
      while (!socket.destroyed && socket.writable) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ sent, answer, ms: Date.now() - started }));
    socket.write('POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n');
    pump();
  });
}

describe('dropRefusedBody', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('cuts a sender that ignores the answer once it has sent maxBytes, long before the time limit', async () => {
    server = await refusingServer({ keepOpenBytes: 1024 * 1024, maxBytes: 4 * 1024 * 1024, ms: 60_000 });
    const { sent, answer, ms } = await sendUntilCut((server.address() as AddressInfo).port);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    // What the kernel buffers on both sides comes on top of what the server read: a few MiB at most.
    expect(sent).toBeGreaterThan(4 * 1024 * 1024);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(ms).toBeLessThan(30_000);
  });

  it('cuts a slow sender at the time limit, after it has its answer', async () => {
    server = await refusingServer({ keepOpenBytes: 1024 * 1024, maxBytes: 1024 ** 3, ms: 300 });
    const port = (server.address() as AddressInfo).port;
    const closed = await new Promise<{ answer: string; ms: number }>((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
      socket.on('error', () => undefined);
      const drip = setInterval(() => socket.writable && socket.write('1\r\nx\r\n'), 20);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ answer, ms: Date.now() - started });
      });
      socket.write('POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n');
    });
    expect(closed.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(closed.ms).toBeGreaterThanOrEqual(250);
    expect(closed.ms).toBeLessThan(10_000);
  });
});
