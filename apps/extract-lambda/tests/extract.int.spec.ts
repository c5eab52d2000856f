import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { parseFailureDocument, parseInferenceRequest, parseJobStatus } from '@gen3d/events';
import { fixture } from '@gen3d/events/testing';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { encodeEventKey } from '@gen3d/s3-keys';
import { parseExtractConfig } from '../src/config';
import { STALE_LOCK_MS, type AsyncInvocation } from '../src/extract';
import { jobIdFor } from '../src/job-id';
import { createExtractHandler, RetryableBatchError } from '../src/handler';
import { createSageMakerRuntimeClient, sageMakerInvoker } from '../src/sagemaker';

// Integration: the handler with the real SDK v3 clients against moto server (S3 and SageMaker runtime).
const root = join(__dirname, '../../..');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const store = new S3ObjectStore(s3);
const sagemaker = createSageMakerRuntimeClient(endpoint);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)]);
const context = { awsRequestId: 'req-1', functionName: 'Gen3DExtractLambda' };

function setup(bucket: string, env: Record<string, string> = {}) {
  const invocations: AsyncInvocation[] = [];
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const invoke = sageMakerInvoker(sagemaker);
  const handler = createExtractHandler({
    config: parseExtractConfig({
      SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
      DATA_BUCKET: bucket,
      ADMIN_EMAIL: 'info@2112-lab.com',
      ...env,
    }),
    store,
    invokeAsync: async (invocation) => {
      invocations.push(invocation);
      return invoke(invocation);
    },
    logger: createLogger({ service: 'extract-lambda', destination, level: 'info' }),
    now: () => new Date(),
  });
  return { handler, invocations, lines };
}

function eventFor(bucket: string, keys: string[], overrides: { eTag?: string } = {}) {
  const template = fixture('s3PutInput').Records[0]!;
  return {
    Records: keys.map((key, i) => {
      const record = structuredClone(template);
      record.s3.bucket.name = bucket;
      record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
      record.s3.object.key = encodeEventKey(key);
      record.s3.object.eTag = overrides.eTag ?? `etag${i}${key.length}`;
      // These test buckets are not versioned: their events carry no version id.
      delete (record.s3.object as { versionId?: string }).versionId;
      return record;
    }),
  };
}

async function newBucket(): Promise<string> {
  const bucket = `gen3d-extract-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function upload(bucket: string, key: string, body: Buffer, metadata: Record<string, string> = {}) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
}

async function json(bucket: string, key: string): Promise<unknown> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString());
}

async function keys(bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

describe('extract-lambda against moto', () => {
  it('starts a job: request document, status, lock, and InvokeEndpointAsync with the document as input', async () => {
    const bucket = await newBucket();
    const { handler, invocations, lines } = setup(bucket);
    await upload(bucket, 'users/u1/input/chair.png', PNG, {
      email: 'jane@example.com',
      point: '10,20',
      quality: 'high',
    });
    const summary = await handler(eventFor(bucket, ['users/u1/input/chair.png']), context);
    expect(summary).toMatchObject({ started: 1, duplicates: 0, rejected: 0 });
    const [outcome] = summary.outcomes as unknown as { jobId: string; outputLocation: string }[];
    const jobId = outcome!.jobId;
    const request = parseInferenceRequest(await json(bucket, `users/u1/jobs/${jobId}/request.json`));
    expect(request).toMatchObject({
      userId: 'u1',
      input: { bucket, key: 'users/u1/input/chair.png' },
      options: { backend: 'inflate', quality: 'high', point: { x: 10, y: 20 } },
    });
    expect(invocations).toEqual([
      {
        endpointName: 'Gen3DSAMAsyncEndpoint',
        inputLocation: `s3://${bucket}/users/u1/jobs/${jobId}/request.json`,
        inferenceId: jobId,
        requestTtlSeconds: 21600,
        invocationTimeoutSeconds: 900,
      },
    ]);
    // moto answers InvokeEndpointAsync with an output location it has written: read it back.
    const location = new URL(outcome!.outputLocation.replace('s3://', 'http://'));
    const output = await s3.send(
      new GetObjectCommand({ Bucket: location.hostname, Key: location.pathname.slice(1) }),
    );
    expect(output.ContentLength).toBeGreaterThan(0);
    expect(parseJobStatus(await json(bucket, `users/u1/jobs/${jobId}/status.json`)).state).toBe('queued');
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
    await upload(bucket, key, PNG);
    const summary = await handler(eventFor(bucket, [key]), context);
    expect(summary.started).toBe(1);
    const jobId = (summary.outcomes[0] as { jobId: string }).jobId;
    expect(parseInferenceRequest(await json(bucket, `users/u1/jobs/${jobId}/request.json`)).input.key).toBe(
      key,
    );
  });

  it('rejects a JPEG under a .png name with a failure document and no invocation', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/photo.png', JPEG);
    const summary = await handler(eventFor(bucket, ['users/u1/input/photo.png']), context);
    expect(summary).toMatchObject({ started: 0, rejected: 1 });
    const failure = parseFailureDocument(await json(bucket, 'users/u1/output/photo.failure.json'));
    expect(failure).toMatchObject({ stage: 'validation', retryable: false, error: { type: 'NotAPngError' } });
    expect(failure.error.message).toContain('a JPEG image');
    expect(invocations).toEqual([]);
  });

  it('rejects an oversized object from its size alone', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket, { MAX_INPUT_BYTES: '50' });
    await upload(bucket, 'users/u1/input/huge.png', PNG);
    await handler(eventFor(bucket, ['users/u1/input/huge.png']), context);
    const failure = parseFailureDocument(await json(bucket, 'users/u1/output/huge.failure.json'));
    expect(failure.error.type).toBe('ImageTooLargeError');
    expect(invocations).toEqual([]);
  });

  it('rejects a key outside users/*/input/ with a document under rejected/', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/nested/x.png', PNG);
    const summary = await handler(eventFor(bucket, ['users/u1/input/nested/x.png']), context);
    const outcome = summary.outcomes[0] as { failureKey: string };
    expect(outcome.failureKey).toMatch(/^rejected\/[0-9a-f]{32}\.failure\.json$/);
    const failure = parseFailureDocument(await json(bucket, outcome.failureKey));
    expect(failure).toMatchObject({
      error: { type: 'InvalidKeyError' },
      input: { key: 'users/u1/input/nested/x.png' },
    });
    expect(invocations).toEqual([]);
  });

  it('starts one job for a duplicate event and for two records of the same object', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/twice.png', PNG);
    const event = eventFor(bucket, ['users/u1/input/twice.png', 'users/u1/input/twice.png'], {
      eTag: 'same',
    });
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(first).toMatchObject({ started: 1, duplicates: 1 });
    expect(second).toMatchObject({ started: 0, duplicates: 2 });
    expect(invocations).toHaveLength(1);
  });

  it('handles a batch with one bad record among good ones', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/good1.png', PNG);
    await upload(bucket, 'users/u1/input/good2.png', PNG);
    await upload(bucket, 'users/u1/input/bad.png', JPEG);
    const event = eventFor(bucket, [
      'users/u1/input/good1.png',
      'users/u1/input/bad.png',
      'users/u1/input/good2.png',
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
    await upload(bucket, 'users/u1/input/retry.png', PNG);
    const { handler: ok, invocations } = setup(bucket);
    // A real SDK client whose endpoint refuses connections: the SDK retries, then the record fails.
    const unreachable = sageMakerInvoker(createSageMakerRuntimeClient('http://127.0.0.1:9'));
    let calls = 0;
    const failing = createExtractHandler({
      config: parseExtractConfig({
        SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
        DATA_BUCKET: bucket,
        ADMIN_EMAIL: 'a@b.co',
      }),
      store,
      invokeAsync: (invocation) => {
        calls += 1;
        return unreachable(invocation);
      },
      logger: createLogger({ service: 'extract-lambda', level: 'silent' }),
      now: () => new Date(),
    });
    const event = eventFor(bucket, ['users/u1/input/retry.png']);
    await expect(failing(event, context)).rejects.toBeInstanceOf(RetryableBatchError);
    expect(calls).toBe(1);
    expect((await ok(event, context)).started).toBe(1);
    expect(invocations).toHaveLength(1);
  });
});

describe('extract-lambda locks and odd events', () => {
  it('asks for a retry, not a drop, while another attempt holds a fresh lock; takes over a stale one', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/busy.png', PNG);
    const event = eventFor(bucket, ['users/u1/input/busy.png'], { eTag: 'busy' });
    const jobId = jobIdFor({ bucket, key: 'users/u1/input/busy.png', eTag: 'busy' });
    const lockKey = `users/u1/jobs/${jobId}/extract.lock`;
    const lock = (startedAt: Date) =>
      JSON.stringify({ jobId, state: 'starting', startedAt: startedAt.toISOString() });
    await upload(bucket, lockKey, Buffer.from(lock(new Date())));
    await expect(handler(event, context)).rejects.toThrow(/1 of 1 records failed \(LockBusyError\)/);
    expect(invocations).toHaveLength(0);
    await upload(bucket, lockKey, Buffer.from(lock(new Date(Date.now() - STALE_LOCK_MS - 1000))));
    expect((await handler(event, context)).started).toBe(1);
    expect(invocations).toHaveLength(1);
  });

  it('ignores a user mask under the same .png trigger, and the S3 test event', async () => {
    const bucket = await newBucket();
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/masks/chair.png', PNG);
    const summary = await handler(eventFor(bucket, ['users/u1/masks/chair.png']), context);
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
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const { handler, invocations } = setup(bucket);
    await upload(bucket, 'users/u1/input/twice.png', JPEG);
    const first = (await store.head(bucket, 'users/u1/input/twice.png'))!.versionId!;
    await upload(bucket, 'users/u1/input/twice.png', PNG);
    const event = eventFor(bucket, ['users/u1/input/twice.png']);
    (event.Records[0]!.s3.object as { versionId?: string }).versionId = first;
    const summary = await handler(event, context);
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
