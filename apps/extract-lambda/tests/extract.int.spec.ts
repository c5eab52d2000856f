import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parseFailureDocument, parseInferenceRequest, parseJobStatus } from '@gen3d/events';
import { jobIdFor, parseExtractConfig, type AsyncInvocation } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { s3CreatedEvent } from '@gen3d/object-store/testing';
import { RetryableBatchError } from '@gen3d/runtime';
import { createExtractHandler } from '../src/handler';
import { createSageMakerRuntimeClient, SageMakerInvoker } from '../src/sagemaker';

// Integration: the handler with the real SDK v3 clients against moto server (S3 and SageMaker runtime), in
// versioned buckets like production's.
const root = join(__dirname, '../../..');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3: S3Client = createS3Client({ endpoint });
const store = new S3ObjectStore(s3);
const sagemaker = createSageMakerRuntimeClient(endpoint);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)]);

function contextWith(remainingMs = 30_000) {
  return {
    awsRequestId: 'req-1',
    functionName: 'Gen3DExtractLambda',
    getRemainingTimeInMillis: () => remainingMs,
  };
}
const context = contextWith();

function setup(bucket: string, env: Record<string, string> = {}) {
  const invocations: AsyncInvocation[] = [];
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const invoker = new SageMakerInvoker(sagemaker, 'Gen3DSAMAsyncEndpoint');
  const handler = createExtractHandler(
    {
      config: parseExtractConfig({
        SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
        DATA_BUCKET: bucket,
        ...env,
      }),
      data: bindBucket(store, bucket),
      invoker: {
        invokeAsync: async (invocation) => {
          invocations.push(invocation);
          return invoker.invokeAsync(invocation);
        },
      },
      clock: () => new Date(),
    },
    createLogger({ service: 'extract-lambda', destination, level: 'info' }),
  );
  return { handler, invocations, lines };
}

async function newBucket(): Promise<string> {
  const bucket = `gen3d-extract-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  return bucket;
}

/** Uploads an object and returns the event S3 would send for exactly that version. */
async function upload(bucket: string, key: string, body: Buffer, metadata: Record<string, string> = {}) {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }),
  );
  return { bucket, key, versionId: out.VersionId, eTag: out.ETag?.replace(/"/g, ''), size: body.length };
}

async function json(bucket: string, key: string): Promise<unknown> {
  return JSON.parse(await bindBucket(store, bucket).getText(key));
}

async function keys(bucket: string): Promise<string[]> {
  return (await bindBucket(store, bucket).list('')).map((o) => o.key);
}

describe('extract-lambda against moto', () => {
  it('starts a job: request document, job index, status, lock, and InvokeEndpointAsync with explicit timeouts', async () => {
    const bucket = await newBucket();
    const { handler, invocations, lines } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/chair.png', PNG, {
      email: 'jane@example.com',
      point: '10,20',
      quality: 'high',
    });
    const summary = await handler(s3CreatedEvent([uploaded]), context);
    expect(summary).toMatchObject({ started: 1, duplicates: 0, rejected: 0 });
    const [outcome] = summary.outcomes as unknown as { jobId: string; outputLocation: string }[];
    const jobId = outcome!.jobId;
    const request = parseInferenceRequest(await json(bucket, `users/u1/jobs/${jobId}/request.json`));
    expect(request).toMatchObject({
      userId: 'u1',
      input: { bucket, key: 'users/u1/input/chair.png', versionId: uploaded.versionId },
      options: { backend: 'inflate', quality: 'high', point: { x: 10, y: 20 } },
      invocationTimeoutSeconds: 3600,
    });
    expect(await json(bucket, `jobs/${jobId}.json`)).toEqual({ version: 1, jobId, userId: 'u1' });
    expect(invocations).toEqual([
      {
        inputLocation: `s3://${bucket}/users/u1/jobs/${jobId}/request.json`,
        inferenceId: jobId,
        requestTtlSeconds: 21600,
        invocationTimeoutSeconds: 3600,
      },
    ]);
    // moto answers InvokeEndpointAsync with an output location it has written: read it back.
    const location = new URL(outcome!.outputLocation.replace('s3://', 'http://'));
    const output = await store.head(location.hostname, location.pathname.slice(1));
    expect(output?.size).toBeGreaterThan(0);
    const status = parseJobStatus(await json(bucket, `users/u1/jobs/${jobId}/status.json`));
    expect(status).toMatchObject({
      version: 2,
      state: 'queued',
      name: 'chair',
      queuedAt: request.requestedAt,
    });
    expect(JSON.stringify(lines)).not.toContain('jane@example.com');
    expect(lines.find((l) => l['msg'] === 'job started')).toMatchObject({ jobId, requestId: 'req-1' });
  });

  it.each([
    'users/u1/input/my photo (1).png',
    'users/u1/input/a+b=c.png',
    'users/u1/input/100% café 東京.png',
  ])('handles the key %j as S3 encodes it in events', async (key) => {
    const bucket = await newBucket();
    const { handler } = setup(bucket);
    const summary = await handler(s3CreatedEvent([await upload(bucket, key, PNG)]), context);
    expect(summary.started).toBe(1);
    const jobId = (summary.outcomes[0] as { jobId: string }).jobId;
    expect(parseInferenceRequest(await json(bucket, `users/u1/jobs/${jobId}/request.json`)).input.key).toBe(
      key,
    );
  });

  it('passes the mask the upload names, and rejects a mask of another user', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const own = await upload(bucket, 'users/u1/input/mug.png', PNG, { mask: 'users/u1/masks/mug.png' });
    const foreign = await upload(bucket, 'users/u1/input/cup.png', PNG, { mask: 'users/u2/masks/cup.png' });
    const summary = await handler(s3CreatedEvent([own, foreign]), context);
    expect(summary).toMatchObject({ started: 1, rejected: 1 });
    const jobId = (summary.outcomes[0] as { jobId: string }).jobId;
    const request = parseInferenceRequest(await json(bucket, `users/u1/jobs/${jobId}/request.json`));
    expect(request.options.maskKey).toBe('users/u1/masks/mug.png');
    const failure = parseFailureDocument(await json(bucket, 'users/u1/output/cup.failure.json'));
    expect(failure.error).toMatchObject({ type: 'InvalidRequestError' });
    expect(failure.error.message).toContain('another user');
    expect(invocations).toHaveLength(1);
  });

  it('rejects a JPEG under a .png name with a failure document naming the upload version, and no invocation', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/photo.png', JPEG);
    const summary = await handler(s3CreatedEvent([uploaded]), context);
    expect(summary).toMatchObject({ started: 0, rejected: 1 });
    const failure = parseFailureDocument(await json(bucket, 'users/u1/output/photo.failure.json'));
    expect(failure).toMatchObject({
      stage: 'validation',
      retryable: false,
      error: { type: 'NotAPngError' },
      input: { key: 'users/u1/input/photo.png', versionId: uploaded.versionId },
    });
    expect(failure.error.message).toContain('a JPEG image');
    const jobId = (summary.outcomes[0] as { jobId: string }).jobId;
    expect(parseJobStatus(await json(bucket, `users/u1/jobs/${jobId}/status.json`))).toMatchObject({
      state: 'failed',
      error: { code: 'NotAPngError', reason: expect.stringContaining('not a PNG image') },
    });
    expect(invocations).toEqual([]);
  });

  it('rejects an oversized object from its size alone', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket, { MAX_UPLOAD_BYTES: '50' });
    await handler(s3CreatedEvent([await upload(bucket, 'users/u1/input/huge.png', PNG)]), context);
    const failure = parseFailureDocument(await json(bucket, 'users/u1/output/huge.failure.json'));
    expect(failure.error.type).toBe('ImageTooLargeError');
    expect(invocations).toEqual([]);
  });

  it('rejects a key outside users/*/input/ with a document under rejected/', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/nested/x.png', PNG);
    const summary = await handler(s3CreatedEvent([uploaded]), context);
    const outcome = summary.outcomes[0] as { failureKey: string };
    expect(outcome.failureKey).toMatch(/^rejected\/[0-9a-f]{32}\.failure\.json$/);
    const failure = parseFailureDocument(await json(bucket, outcome.failureKey));
    expect(failure).toMatchObject({
      error: { type: 'InvalidKeyError' },
      input: { key: 'users/u1/input/nested/x.png', versionId: uploaded.versionId },
    });
    expect(invocations).toEqual([]);
  });

  it('starts one job for a duplicate event and for two records of the same object', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/twice.png', PNG);
    const event = s3CreatedEvent([uploaded, uploaded]);
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(first).toMatchObject({ started: 1, duplicates: 1 });
    expect(second).toMatchObject({ started: 0, duplicates: 2 });
    expect(invocations).toHaveLength(1);
  });

  it('handles a batch with one bad record among good ones', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const event = s3CreatedEvent([
      await upload(bucket, 'users/u1/input/good1.png', PNG),
      await upload(bucket, 'users/u1/input/bad.png', JPEG),
      await upload(bucket, 'users/u1/input/good2.png', PNG),
    ]);
    const broken = structuredClone(event.Records[0]!) as unknown as Record<string, unknown>;
    delete broken['s3'];
    (event.Records as unknown[]).push(broken);
    const summary = await handler(event, context);
    expect(summary).toMatchObject({ started: 2, rejected: 2 });
    expect(invocations.map((i) => i.inputLocation)).toHaveLength(2);
    expect(await keys(bucket)).toContain('users/u1/output/bad.failure.json');
  });

  it('frees the lock and fails the record when SageMaker is unavailable, so a retry starts the job', async () => {
    const bucket = await newBucket();
    const event = s3CreatedEvent([await upload(bucket, 'users/u1/input/retry.png', PNG)]);
    const { handler: ok, invocations } = setup(bucket);
    // A real SDK client whose endpoint refuses connections: the SDK retries, then the record fails.
    const unreachable = new SageMakerInvoker(
      createSageMakerRuntimeClient('http://127.0.0.1:9'),
      'Gen3DSAMAsyncEndpoint',
    );
    let calls = 0;
    const failing = createExtractHandler(
      {
        config: parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint', DATA_BUCKET: bucket }),
        data: bindBucket(store, bucket),
        invoker: {
          invokeAsync: (invocation) => {
            calls += 1;
            return unreachable.invokeAsync(invocation);
          },
        },
        clock: () => new Date(),
      },
      createLogger({ service: 'extract-lambda', level: 'silent' }),
    );
    await expect(failing(event, context)).rejects.toBeInstanceOf(RetryableBatchError);
    expect(calls).toBe(1);
    expect((await ok(event, context)).started).toBe(1);
    expect(invocations).toHaveLength(1);
  });
});

describe('extract-lambda locks and odd events', () => {
  it('asks for a retry while the holder may still work, and takes the lock over once its deadline passed', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/busy.png', PNG);
    const event = s3CreatedEvent([uploaded]);
    const jobId = jobIdFor({ bucket, key: uploaded.key, versionId: uploaded.versionId, eTag: uploaded.eTag });
    const lockKey = `users/u1/jobs/${jobId}/extract.lock`;
    const lock = (expiresAt: Date) =>
      JSON.stringify({
        jobId,
        state: 'starting',
        startedAt: new Date().toISOString(),
        expiresAt: expiresAt.toISOString(),
      });
    // The holder's deadline is a minute away (a function with a longer timeout than the seed's 30 s): still busy.
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: lockKey, Body: lock(new Date(Date.now() + 60_000)) }),
    );
    await expect(handler(event, context)).rejects.toThrow(/1 of 1 records failed \(LockBusyError\)/);
    expect(invocations).toHaveLength(0);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: lockKey, Body: lock(new Date(Date.now() - 1)) }),
    );
    expect((await handler(event, context)).started).toBe(1);
    expect(invocations).toHaveLength(1);
  });

  it("sets a new lock's expiry from the invocation's remaining time", async () => {
    const bucket = await newBucket();
    const { invocations } = setup(bucket);
    const uploaded = await upload(bucket, 'users/u1/input/slow.png', PNG);
    const jobId = jobIdFor({ bucket, key: uploaded.key, versionId: uploaded.versionId, eTag: uploaded.eTag });
    // SageMaker refuses while we look at the lock: the attempt fails, and its lock is freed.
    let lockSeen: { expiresAt: string; startedAt: string } | undefined;
    const slow = createExtractHandler(
      {
        config: parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint', DATA_BUCKET: bucket }),
        data: bindBucket(store, bucket),
        invoker: {
          invokeAsync: async () => {
            lockSeen = (await json(bucket, `users/u1/jobs/${jobId}/extract.lock`)) as typeof lockSeen;
            throw Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' });
          },
        },
        clock: () => new Date(),
      },
      createLogger({ service: 'extract-lambda', level: 'silent' }),
    );
    await expect(slow(s3CreatedEvent([uploaded]), contextWith(600_000))).rejects.toThrow(RetryableBatchError);
    const lifetime = Date.parse(lockSeen!.expiresAt) - Date.parse(lockSeen!.startedAt);
    expect(lifetime).toBeGreaterThanOrEqual(600_000);
    expect(lifetime).toBeLessThan(610_000);
    expect(invocations).toHaveLength(0);
  });

  it('ignores a user mask under the same .png trigger, and the S3 test event', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const mask = await upload(bucket, 'users/u1/masks/chair.png', PNG);
    const summary = await handler(s3CreatedEvent([mask]), context);
    expect(summary.outcomes).toEqual([{ status: 'ignored', reason: 'a mask key does not start a job' }]);
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: new Date().toISOString(),
      Bucket: bucket,
    };
    expect(await handler(test, context)).toMatchObject({ started: 0, outcomes: [] });
    expect(invocations).toHaveLength(0);
    expect(await keys(bucket)).toEqual(['users/u1/masks/chair.png']);
  });

  it('checks the version the event names, not a newer upload under the same name', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    const first = await upload(bucket, 'users/u1/input/twice.png', JPEG);
    await upload(bucket, 'users/u1/input/twice.png', PNG);
    const summary = await handler(s3CreatedEvent([first]), context);
    expect(summary.outcomes[0]).toMatchObject({ status: 'rejected', errorType: 'NotAPngError' });
    expect(invocations).toHaveLength(0);
  });
});

describe('extract-lambda bundle', () => {
  const bundle = join(root, 'dist/apps/extract-lambda/lambda_function.js');

  it('fails at cold start with the missing variable named', () => {
    const result = spawnSync(
      process.execPath,
      [
        '-e',
        `try { require(${JSON.stringify(bundle)}) } catch (e) { console.error(e.message); process.exit(3) }`,
      ],
      {
        env: {
          PATH: process.env['PATH'],
          DATA_BUCKET: 'gen3d-data-bucket',
          ADMIN_EMAIL: 'info@2112-lab.com',
        },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toBe('SAGEMAKER_ENDPOINT_NAME is not set (a SageMaker endpoint name)');
  });

  it('exports lambda_handler from lambda_function.js, as the seed names it', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', `console.log(typeof require(${JSON.stringify(bundle)}).lambda_handler)`],
      {
        env: {
          PATH: process.env['PATH'],
          SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
          DATA_BUCKET: 'gen3d-data-bucket',
          ADMIN_EMAIL: 'info@2112-lab.com',
        },
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe('function');
  });
});
