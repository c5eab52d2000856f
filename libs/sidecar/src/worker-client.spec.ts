import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerReportOf } from '@gen3d/events/testing';
import { callWorker } from './worker-client';

/** A worker host that answers every request with `parts` (PROTOCOL.md's multipart answer), and keeps the requests. */
async function fakeWorker(
  parts: Record<string, { type: string; body: Buffer }>,
  contentType = 'multipart/form-data; boundary=worker-b',
) {
  const requests: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(Buffer.concat(chunks).toString('latin1'));
      const boundary = 'worker-b';
      const body = Buffer.concat([
        ...Object.entries(parts).flatMap(([name, part]) => [
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\n` +
              `Content-Type: ${part.type}\r\n\r\n`,
          ),
          part.body,
          Buffer.from('\r\n'),
        ]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
      response.writeHead(200, {
        'content-type': contentType,
        'x-gen3d-report': JSON.stringify(workerReportOf()),
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predictions/gen3d`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

const PLY = { type: 'application/octet-stream', body: Buffer.from('ply\n') };
const THUMB = { type: 'image/png', body: Buffer.from('\x89PNG thumbnail', 'latin1') };
const MASK = { type: 'image/png', body: Buffer.from('\x89PNG mask', 'latin1') };

describe('callWorker and the pictures (extras)', () => {
  it('asks for them in the extras field and answers each part the worker made, in the order asked', async () => {
    const worker = await fakeWorker({ ply: PLY, mask: MASK, thumbnail: THUMB });
    try {
      const outcome = await callWorker(worker.url, {
        image: new Uint8Array([1]),
        options: {},
        extras: ['thumbnail', 'mask'],
      });
      expect(worker.requests[0]).toMatch(/name="extras"[^]*\r\n\r\n\["thumbnail","mask"\]\r\n/);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(Buffer.from(outcome.ply).toString()).toBe('ply\n');
      expect(outcome.images.map((i) => [i.image, Buffer.from(i.bytes).toString('latin1')])).toEqual([
        ['thumbnail', '\x89PNG thumbnail'],
        ['mask', '\x89PNG mask'],
      ]);
    } finally {
      await worker.close();
    }
  });

  it('treats a missing picture as not made (a worker of an earlier version), not as a failure', async () => {
    const worker = await fakeWorker({ ply: PLY, mask: MASK });
    try {
      const outcome = await callWorker(worker.url, {
        image: new Uint8Array([1]),
        options: {},
        extras: ['thumbnail', 'mask'],
      });
      expect(outcome.ok && outcome.images.map((i) => i.image)).toEqual(['mask']);
    } finally {
      await worker.close();
    }
  });

  it('sends no extras field when none is asked, and reads no picture part then', async () => {
    const worker = await fakeWorker({ ply: PLY, thumbnail: THUMB });
    try {
      const outcome = await callWorker(worker.url, { image: new Uint8Array([1]), options: {} });
      expect(worker.requests[0]).not.toContain('name="extras"');
      expect(outcome.ok && outcome.images).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('refuses a multipart answer that names no boundary, rather than storing the whole body as the mesh', async () => {
    const worker = await fakeWorker({ ply: PLY }, 'multipart/form-data');
    try {
      const outcome = await callWorker(worker.url, { image: new Uint8Array([1]), options: {} });
      expect(outcome).toMatchObject({
        ok: false,
        error: { type: 'InternalError', message: expect.stringMatching(/boundary/) },
      });
    } finally {
      await worker.close();
    }
  });
});
