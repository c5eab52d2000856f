import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@gen3d/logging';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { LocalAsyncEndpoint } from './async-inference';

// The runner's side of SageMaker's contract, against a container that answers as told (the real sidecar is in the
// end-to-end test): what it writes where, when it retries, what it waits for.
const log = createLogger({ service: 'test', level: 'silent' });
const bucket = 'gen3d-data-bucket';
let dir: string;
let server: Server;
let base: string;
let answers: { status: number; body: string; headers?: Record<string, string> }[];
let healthy: boolean;
let crashing: boolean;
let inFlight = 0;
let peak = 0;
const received: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gen3d-async-'));
  answers = [];
  healthy = true;
  crashing = false;
  inFlight = 0;
  peak = 0;
  received.length = 0;
  server = createServer((req, res) => {
    if (req.url === '/ping') return void res.writeHead(healthy ? 200 : 503).end();
    if (crashing) return void req.socket.destroy(); // the container dies mid-request
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      received.push(Buffer.concat(chunks).toString());
      const answer = answers.shift() ?? { status: 200, body: '{"ok":true}' };
      setTimeout(() => {
        inFlight -= 1;
        res
          .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
          .end(answer.body);
      }, 30);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function setup(concurrency = 2, maxAttempts?: number) {
  const store = new InMemoryObjectStore();
  const endpoint = new LocalAsyncEndpoint({
    queueDir: dir,
    store,
    outputBucket: bucket,
    outputPrefix: 'sagemaker-output/',
    failurePrefix: 'sagemaker-output/failures/',
    sidecarUrl: () => base,
    concurrency,
    log,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
  await endpoint.start();
  return { store, endpoint };
}

const invocation = async (store: InMemoryObjectStore, id: string, ttl = 3600) => {
  await store.put(bucket, `users/u1/jobs/${id}/request.json`, `{"job":"${id}"}`, {
    contentType: 'application/json',
  });
  return {
    inputLocation: `s3://${bucket}/users/u1/jobs/${id}/request.json`,
    inferenceId: id,
    requestTtlSeconds: ttl,
    invocationTimeoutSeconds: 60,
  };
};

const until = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const text = async (store: InMemoryObjectStore, key: string) =>
  Buffer.from(await store.get(bucket, key, 10_000)).toString();

describe('LocalAsyncEndpoint', () => {
  it('answers with the output location at once, then POSTs the payload and writes the answer there', async () => {
    const { store, endpoint } = await setup();
    const answer = await endpoint.invokeEndpointAsync(await invocation(store, 'job-a'));
    expect(answer.outputLocation).toBe(`s3://${bucket}/sagemaker-output/job-a.out`);
    await until(async () => (await store.head(bucket, 'sagemaker-output/job-a.out')) !== undefined);
    await endpoint.stop(1000);
    expect(received).toEqual(['{"job":"job-a"}']);
    expect(await text(store, 'sagemaker-output/job-a.out')).toBe('{"ok":true}');
  });

  it("writes an error answer to the failure path, as SageMaker's S3FailurePath", async () => {
    answers.push({ status: 422, body: '{"error":{"type":"NoObjectFoundError"}}' });
    const { store, endpoint } = await setup();
    await endpoint.invokeEndpointAsync(await invocation(store, 'job-b'));
    await until(
      async () => (await store.head(bucket, 'sagemaker-output/failures/job-b-error.out')) !== undefined,
    );
    await endpoint.stop(1000);
    expect(await text(store, 'sagemaker-output/failures/job-b-error.out')).toContain('NoObjectFoundError');
    expect(await store.head(bucket, 'sagemaker-output/job-b.out')).toBeUndefined();
  });

  it('retries a 429 after Retry-After, and waits while /ping is not healthy', async () => {
    healthy = false;
    answers.push({ status: 429, body: '{}', headers: { 'retry-after': '0' } });
    const { store, endpoint } = await setup();
    await endpoint.invokeEndpointAsync(await invocation(store, 'job-c'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]); // not routed to an unhealthy container
    healthy = true;
    await until(async () => (await store.head(bucket, 'sagemaker-output/job-c.out')) !== undefined);
    await endpoint.stop(1000);
    expect(received).toHaveLength(2);
  });

  it('fails a request that waited past its TTL without calling the container', async () => {
    healthy = false;
    const { store, endpoint } = await setup();
    await endpoint.invokeEndpointAsync(await invocation(store, 'job-d', 1));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await until(
      async () => (await store.head(bucket, 'sagemaker-output/failures/job-d-error.out')) !== undefined,
    );
    await endpoint.stop(1000);
    expect(await text(store, 'sagemaker-output/failures/job-d-error.out')).toMatch(/^Request expired/);
    expect(received).toEqual([]);
  });

  it('writes the failure path when the container never answers, once the retries are spent (never silent)', async () => {
    crashing = true;
    const { store, endpoint } = await setup(2, 2);
    await endpoint.invokeEndpointAsync(await invocation(store, 'job-e'));
    await until(
      async () => (await store.head(bucket, 'sagemaker-output/failures/job-e-error.out')) !== undefined,
    );
    await endpoint.stop(1000);
    expect(await text(store, 'sagemaker-output/failures/job-e-error.out')).toMatch(
      /^The container did not answer after 2 attempts/,
    );
    expect(await store.head(bucket, 'sagemaker-output/job-e.out')).toBeUndefined();
  });

  it('keeps at most `concurrency` requests in flight to the container', async () => {
    const { store, endpoint } = await setup(2);
    for (const id of ['j1', 'j2', 'j3', 'j4', 'j5'])
      await endpoint.invokeEndpointAsync(await invocation(store, id));
    await until(async () => (await store.list(bucket, 'sagemaker-output/')).length === 5);
    await endpoint.stop(1000);
    expect(peak).toBe(2);
  });
});
