import { spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { fixture } from '@gen3d/events/testing';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { encodeEventKey } from '@gen3d/s3-keys';
import { parseNotifyConfig } from '../src/config';
import { createNotifyHandler } from '../src/handler';
import { STALE_NOTIFY_LOCK_MS } from '../src/notify';
import { createSesClient, sesSender } from '../src/ses';

// Integration: the handler with the real SDK v3 clients against moto server (S3, SES); sent emails are read back
// from moto's model data. A throttling proxy in front of moto stands for SES's sending-rate limit.
const root = join(__dirname, '../../..');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const store = new S3ObjectStore(s3);
const context = { awsRequestId: 'req-n', functionName: 'Gen3DNotifyLambda' };
const SOURCE = 'noreply@genesis3d.com';
const ADMIN = 'info@2112-lab.com';

interface SentEmail {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly body: string;
  readonly destinations: { ToAddresses: string[] };
}

async function sentEmails(): Promise<SentEmail[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: SentEmail[] };
  };
  return data.ses?.Message ?? [];
}

async function emailsTo(address: string, since: number): Promise<SentEmail[]> {
  return (await sentEmails()).slice(since).filter((m) => m.destinations.ToAddresses.includes(address));
}

function setup(bucket: string, sesEndpoint = endpoint) {
  return createNotifyHandler({
    config: parseNotifyConfig({
      DATA_BUCKET: bucket,
      ADMIN_EMAIL: ADMIN,
      SOURCE_EMAIL: SOURCE,
      LINK_EXPIRY_SECONDS: '3600',
    }),
    store,
    sendEmail: sesSender(createSesClient(sesEndpoint), SOURCE),
    logger: createLogger({ service: 'notify-lambda', level: 'silent' }),
    now: () => new Date(),
  });
}

function eventFor(bucket: string, keys: string[], size = 1234) {
  const template = fixture('s3PutOutput').Records[0]!;
  return {
    Records: keys.map((key) => {
      const record = structuredClone(template);
      record.s3.bucket.name = bucket;
      record.s3.object.key = encodeEventKey(key);
      record.s3.object.size = size;
      // These test buckets are not versioned: their events carry no version id.
      delete (record.s3.object as { versionId?: string }).versionId;
      return record;
    }),
  };
}

async function newBucket(): Promise<string> {
  const bucket = `gen3d-notify-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function put(
  bucket: string,
  key: string,
  body: string | Buffer,
  metadata: Record<string, string> = {},
) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
}

const report = (bucket: string, name: string) =>
  JSON.stringify({
    version: 1,
    jobId: `job-${name.length}-abcdef12`,
    userId: 'u1',
    input: { bucket, key: `users/u1/input/${name}.png` },
    output: { bucket, meshKey: `users/u1/output/${name}.ply`, bytes: 5 },
    worker: {
      backend: 'inflate',
      method: 'silhouette inflation (geometric, no learned model)',
      image: { width: 256, height: 256, mode: 'RGBA 8-bit' },
      mask: { source: 'alpha', area: 20000 },
      mesh: { vertices: 1000, faces: 1996, watertight: true },
      timingsMs: {},
    },
    timingsMs: { total: 1500 },
    finishedAt: new Date().toISOString(),
  });

beforeAll(async () => {
  const ses = createSesClient(endpoint);
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SOURCE }));
});

describe('notify-lambda against moto', () => {
  it('emails the user a working presigned link and the mesh details', async () => {
    const bucket = await newBucket();
    const name = 'my chair (1) é';
    await put(bucket, `users/u1/input/${name}.png`, 'png', { email: 'jane@example.com' });
    await put(bucket, `users/u1/output/${name}.report.json`, report(bucket, name));
    await put(bucket, `users/u1/output/${name}.ply`, 'ply\n');
    const before = (await sentEmails()).length;
    const summary = await setup(bucket)(eventFor(bucket, [`users/u1/output/${name}.ply`]), context);
    expect(summary).toMatchObject({ sent: 1 });
    const [email] = await emailsTo('jane@example.com', before);
    expect(email!.source).toBe(SOURCE);
    expect(email!.subject).toBe(`Your 3D model of "${name}" is ready`);
    expect(email!.body).toContain('silhouette inflation (geometric, no learned model)');
    expect(email!.body).toContain('1000 vertices, 1996 triangles');
    const link = /href="([^"]+)"/.exec(email!.body)![1]!.replace(/&#38;/g, '&');
    expect(link).toContain('X-Amz-Expires=3600');
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('ply\n');
  });

  it('sends the user plain words and the admin the technical details of a failure', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/photo.png', 'jpeg', { email: 'jane@example.com' });
    const failure = {
      version: 1,
      jobId: '0123456789abcdef0123456789abcdef',
      userId: 'u1',
      input: { bucket, key: 'users/u1/input/photo.png' },
      stage: 'validation',
      error: { type: 'NotAPngError', message: 'the upload is not a PNG: it looks like a JPEG image' },
      retryable: false,
      failedAt: new Date().toISOString(),
    };
    await put(bucket, 'users/u1/output/photo.failure.json', JSON.stringify(failure));
    const before = (await sentEmails()).length;
    await setup(bucket)(eventFor(bucket, ['users/u1/output/photo.failure.json']), context);
    const [user] = await emailsTo('jane@example.com', before);
    const [admin] = await emailsTo(ADMIN, before);
    expect(user!.body).toContain('not a PNG image');
    expect(user!.body).not.toContain('JPEG');
    expect(admin!.subject).toBe('[Gen3D] job failed: NotAPngError at validation');
    expect(admin!.body).toContain('it looks like a JPEG image');
  });

  it('tells the admin about an upload with an unusable key', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/nested/x.png', 'png', { email: 'jane@example.com' });
    const failure = {
      version: 1,
      jobId: 'fedcba9876543210fedcba9876543210',
      input: { bucket, key: 'users/u1/input/nested/x.png' },
      stage: 'validation',
      error: { type: 'InvalidKeyError', message: 'expected users/{userId}/input/{file} with no sub-folders' },
      retryable: false,
      failedAt: new Date().toISOString(),
    };
    await put(bucket, 'rejected/fedcba9876543210fedcba9876543210.failure.json', JSON.stringify(failure));
    const before = (await sentEmails()).length;
    const summary = await setup(bucket)(
      eventFor(bucket, ['rejected/fedcba9876543210fedcba9876543210.failure.json']),
      context,
    );
    expect(summary.sent).toBe(1);
    expect((await emailsTo(ADMIN, before))[0]!.body).toContain('unknown (unusable key)');
    expect(await emailsTo('jane@example.com', before)).toHaveLength(1);
  });

  it('treats the SageMaker failure record of the same job as a duplicate, and tells the admin about a bare one', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/lost.png', 'png', { email: 'lost@example.com' });
    const failure = {
      version: 1,
      jobId: 'aaaaaaaabbbbbbbbccccccccdddddddd',
      userId: 'u1',
      input: { bucket, key: 'users/u1/input/lost.png' },
      stage: 'reconstruction',
      error: { type: 'WorkerCrashedError', message: 'the worker stopped during the job' },
      retryable: true,
      failedAt: new Date().toISOString(),
    };
    await put(bucket, 'users/u1/output/lost.failure.json', JSON.stringify(failure));
    await put(bucket, `sagemaker-output/failures/${failure.jobId}-error.out`, JSON.stringify(failure));
    await put(
      bucket,
      'sagemaker-output/failures/other-inference-error.out',
      'Received server error (500) from model',
    );
    const before = (await sentEmails()).length;
    const handler = setup(bucket);
    await handler(eventFor(bucket, ['users/u1/output/lost.failure.json']), context);
    const again = await handler(
      eventFor(bucket, [
        `sagemaker-output/failures/${failure.jobId}-error.out`,
        'sagemaker-output/failures/other-inference-error.out',
      ]),
      context,
    );
    expect(again).toMatchObject({ duplicates: 1, sent: 1 });
    expect(await emailsTo('lost@example.com', before)).toHaveLength(1);
    const admin = await emailsTo(ADMIN, before);
    expect(admin.map((m) => m.subject)).toEqual([
      '[Gen3D] job failed: WorkerCrashedError at reconstruction',
      '[Gen3D] SageMaker inference failed: other-inference',
    ]);
    expect(admin[1]!.body).toContain('Received server error (500) from model');
  });

  it('sends one email for a duplicate event', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/dup.png', 'png', { email: 'dup@example.com' });
    await put(bucket, 'users/u1/output/dup.report.json', report(bucket, 'dup'));
    await put(bucket, 'users/u1/output/dup.ply', 'ply\n');
    const before = (await sentEmails()).length;
    const handler = setup(bucket);
    const event = eventFor(bucket, ['users/u1/output/dup.ply', 'users/u1/output/dup.ply']);
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(first.sent + second.sent).toBe(1);
    expect(await emailsTo('dup@example.com', before)).toHaveLength(1);
  });

  it('ignores keys that are not results', async () => {
    const bucket = await newBucket();
    const summary = await setup(bucket)(
      eventFor(bucket, ['users/u1/output/x.report.json', 'elsewhere/x.ply']),
      context,
    );
    expect(summary).toMatchObject({ sent: 0, ignored: 2 });
  });

  describe('when SES throttles', () => {
    let proxy: Server;
    let throttled = 0;
    let proxyEndpoint = '';

    beforeAll(async () => {
      // Answers SendEmail with SES's Throttling error twice, then forwards everything to moto.
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          if (body.toString().includes('Action=SendEmail') && throttled < 2) {
            throttled += 1;
            res.writeHead(400, { 'content-type': 'text/xml' });
            res.end(
              '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>' +
                '<Message>Maximum sending rate exceeded.</Message></Error><RequestId>t</RequestId></ErrorResponse>',
            );
            return;
          }
          const target = new URL(endpoint);
          const forward = httpRequest(
            {
              host: target.hostname,
              port: target.port,
              path: req.url,
              method: req.method,
              headers: req.headers,
            },
            (upstream) => {
              res.writeHead(upstream.statusCode ?? 502, upstream.headers);
              upstream.pipe(res);
            },
          );
          forward.end(body);
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const address = proxy.address() as { port: number };
      proxyEndpoint = `http://127.0.0.1:${address.port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => proxy.close(resolve));
    });

    it('retries with backoff and sends exactly one email', async () => {
      const bucket = await newBucket();
      await put(bucket, 'users/u1/input/slow.png', 'png', { email: 'slow@example.com' });
      await put(bucket, 'users/u1/output/slow.report.json', report(bucket, 'slow'));
      await put(bucket, 'users/u1/output/slow.ply', 'ply\n');
      const before = (await sentEmails()).length;
      const summary = await setup(bucket, proxyEndpoint)(
        eventFor(bucket, ['users/u1/output/slow.ply']),
        context,
      );
      expect(throttled).toBe(2);
      expect(summary.sent).toBe(1);
      expect(await emailsTo('slow@example.com', before)).toHaveLength(1);
    });
  });
});

describe('notify-lambda locks and refusals', () => {
  const failureOf = (bucket: string, jobId: string) => ({
    version: 1,
    jobId,
    userId: 'u1',
    input: { bucket, key: 'users/u1/input/half.png' },
    stage: 'reconstruction',
    error: { type: 'NoObjectFoundError', message: 'the mask covers 0.00% of the picture' },
    retryable: false,
    failedAt: new Date().toISOString(),
  });

  it('asks for a retry while another attempt sends, and a takeover sends only what is missing', async () => {
    const bucket = await newBucket();
    const jobId = '11111111222222223333333344444444';
    await put(bucket, 'users/u1/input/half.png', 'png', { email: 'half@example.com' });
    await put(bucket, 'users/u1/output/half.failure.json', JSON.stringify(failureOf(bucket, jobId)));
    const lockKey = `users/u1/jobs/${jobId}/notify.lock`;
    const event = eventFor(bucket, ['users/u1/output/half.failure.json']);
    const before = (await sentEmails()).length;
    await put(
      bucket,
      lockKey,
      JSON.stringify({ jobId, state: 'sending', startedAt: new Date().toISOString(), done: [] }),
    );
    await expect(setup(bucket)(event, context)).rejects.toThrow(/LockBusyError/);
    // An attempt that died after emailing the user: only the admin's email is left to send.
    const stale = new Date(Date.now() - STALE_NOTIFY_LOCK_MS - 1000).toISOString();
    await put(bucket, lockKey, JSON.stringify({ jobId, state: 'sending', startedAt: stale, done: ['user'] }));
    expect((await setup(bucket)(event, context)).sent).toBe(1);
    expect(await emailsTo('half@example.com', before)).toHaveLength(0);
    expect(await emailsTo(ADMIN, before)).toHaveLength(1);
    expect((await setup(bucket)(event, context)).duplicates).toBe(1);
  });

  it('does not retry what SES refuses for good (an unverified sender)', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/half.png', 'png', { email: 'half@example.com' });
    await put(
      bucket,
      'users/u1/output/half.failure.json',
      JSON.stringify(failureOf(bucket, '55555555666666667777777788888888')),
    );
    const handler = createNotifyHandler({
      config: parseNotifyConfig({
        DATA_BUCKET: bucket,
        ADMIN_EMAIL: ADMIN,
        SOURCE_EMAIL: 'unverified@genesis3d.com',
      }),
      store,
      sendEmail: sesSender(createSesClient(endpoint), 'unverified@genesis3d.com'),
      logger: createLogger({ service: 'notify-lambda', level: 'silent' }),
      now: () => new Date(),
    });
    const summary = await handler(eventFor(bucket, ['users/u1/output/half.failure.json']), context);
    expect(summary.outcomes).toEqual([
      { status: 'sent', jobId: '55555555666666667777777788888888', emails: 0 },
    ]);
  });

  it('does not let a bad option in the upload metadata silence the user', async () => {
    const bucket = await newBucket();
    await put(bucket, 'users/u1/input/odd.png', 'png', { email: 'odd@example.com', backend: 'SAM3D' });
    await put(
      bucket,
      'users/u1/output/odd.failure.json',
      JSON.stringify({
        ...failureOf(bucket, '99999999aaaaaaaabbbbbbbbcccccccc'),
        input: { bucket, key: 'users/u1/input/odd.png' },
      }),
    );
    const before = (await sentEmails()).length;
    await setup(bucket)(eventFor(bucket, ['users/u1/output/odd.failure.json']), context);
    expect(await emailsTo('odd@example.com', before)).toHaveLength(1);
  });
});

describe('notify-lambda bundle', () => {
  it('fails at cold start with the missing variable named', () => {
    const bundle = join(root, 'dist/apps/notify-lambda/lambda_function.js');
    const result = spawnSync(
      process.execPath,
      [
        '-e',
        `try { require(${JSON.stringify(bundle)}) } catch (e) { console.error(e.message); process.exit(3) }`,
      ],
      {
        env: { PATH: process.env['PATH'], DATA_BUCKET: 'gen3d-data-bucket', ADMIN_EMAIL: ADMIN },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toBe('SOURCE_EMAIL is not set (an email address)');
  });
});
