import { spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { parseJobStatus } from '@gen3d/events';
import { jobReportOf, workerReportOf } from '@gen3d/events/testing';
import { parseNotifyConfig } from '@gen3d/jobs';
import { simpleParser } from 'mailparser';
import { createLogger } from '@gen3d/logging';
import { bindBucket, createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createVersionedBucket, s3CreatedEvent } from '@gen3d/object-store/testing';
import { createNotifyHandler } from '../src/handler';
import { createSesClient, SesMailer } from '@gen3d/jobs/ses';

const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Integration: the handler with the real SDK v3 clients against moto server (S3, SES), in versioned buckets like
// production's; sent emails are read back from moto's model data. A throttling proxy in front of moto stands for
// SES's sending-rate limit. Fixtures are written the way the sidecar and extract write them (mesh metadata naming
// the job and the report version, request documents, upload versions).
const root = join(__dirname, '../../..');
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const store = new S3ObjectStore(s3);
const context = {
  awsRequestId: 'req-n',
  functionName: 'Gen3DNotifyLambda',
  getRemainingTimeInMillis: () => 15_000,
};
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

interface RawEmail {
  readonly source: string;
  readonly destinations: string[];
  readonly raw_data: string;
}

/** The emails sent with SendRawEmail (moto keeps them apart from SendEmail's). */
async function rawEmails(): Promise<RawEmail[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { RawMessage?: RawEmail[] };
  };
  return data.ses?.RawMessage ?? [];
}

async function emailsTo(address: string, since: number): Promise<SentEmail[]> {
  return (await sentEmails()).slice(since).filter((m) => m.destinations.ToAddresses.includes(address));
}

function setup(bucket: string, options: { sesEndpoint?: string; source?: string } = {}) {
  const source = options.source ?? SOURCE;
  return createNotifyHandler(
    {
      config: parseNotifyConfig({
        DATA_BUCKET: bucket,
        ADMIN_EMAIL: ADMIN,
        SOURCE_EMAIL: source,
        LINK_EXPIRY_SECONDS: '3600',
      }),
      data: bindBucket(store, bucket),
      mailer: new SesMailer(createSesClient(options.sesEndpoint ?? endpoint), source),
      clock: () => new Date(),
    },
    createLogger({ service: 'notify-lambda', level: 'silent' }),
  );
}

const newBucket = () => createVersionedBucket(s3, 'gen3d-notify');

/** Writes an object and returns what S3's event for exactly that version says. */
async function put(
  bucket: string,
  key: string,
  body: string | Buffer,
  metadata: Record<string, string> = {},
) {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }),
  );
  return {
    bucket,
    key,
    versionId: out.VersionId as string,
    eTag: out.ETag?.replace(/"/g, ''),
    size: Buffer.byteLength(body),
  };
}

let jobCounter = 0;
function newJobId(): string {
  jobCounter += 1;
  return `${Date.now().toString(16)}${jobCounter.toString(16)}`.padEnd(32, '0').slice(0, 32);
}

/** The request document extract writes for user u1's job, for the upload `upload`; `fields` adds or replaces fields. */
function putRequest(
  jobId: string,
  upload: { bucket: string; key: string; versionId: string },
  fields: Record<string, unknown>,
) {
  const { bucket, key, versionId } = upload;
  const request = { version: 1, jobId, userId: 'u1', input: { bucket, key, versionId } };
  return put(
    bucket,
    `users/u1/jobs/${jobId}/request.json`,
    JSON.stringify({ ...request, requestedAt: new Date().toISOString(), ...fields }),
  );
}

/** What extract and the sidecar leave for a finished job: upload, request, report, then the mesh naming both. */
async function finishedJob(bucket: string, name: string, email: string | undefined, reportBody?: string) {
  const jobId = newJobId();
  const upload = await put(bucket, `users/u1/input/${name}.png`, 'png', email ? { email } : {});
  await putRequest(jobId, upload, {
    options: { backend: 'inflate', quality: 'standard' },
    invocationTimeoutSeconds: 3600,
  });
  const report = await put(
    bucket,
    `users/u1/output/${name}.report.json`,
    reportBody ?? reportOf(bucket, name, jobId, upload.versionId),
  );
  const mesh = await put(bucket, `users/u1/output/${name}.ply`, 'ply\n', {
    'job-id': jobId,
    backend: 'inflate',
    'report-version-id': report.versionId,
  });
  return { jobId, upload, mesh };
}

const reportOf = (bucket: string, name: string, jobId: string, versionId: string) =>
  JSON.stringify(
    jobReportOf({
      jobId,
      input: { bucket, key: `users/u1/input/${name}.png`, versionId },
      output: { bucket, meshKey: `users/u1/output/${name}.ply`, bytes: 4 },
      worker: workerReportOf({ mesh: { vertices: 1000, faces: 1996, watertight: true } }),
      finishedAt: new Date().toISOString(),
    }),
  );

const failureOf = (
  bucket: string,
  jobId: string,
  input: { key: string; versionId?: string },
  error = { type: 'NoObjectFoundError', message: 'the mask covers 0.00% of the picture' },
) => ({
  version: 1,
  jobId,
  userId: 'u1',
  input: { bucket, ...input },
  stage: 'reconstruction',
  error,
  retryable: false,
  failedAt: new Date().toISOString(),
});

beforeAll(async () => {
  const ses = createSesClient(endpoint);
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SOURCE }));
});

describe('notify-lambda against moto', () => {
  it('emails the user a working presigned link and the mesh details', async () => {
    const bucket = await newBucket();
    const name = 'my chair (1) é';
    const { mesh } = await finishedJob(bucket, name, 'jane@example.com');
    const before = (await sentEmails()).length;
    const summary = await setup(bucket)(s3CreatedEvent([mesh]), context);
    expect(summary).toMatchObject({ sent: 1 });
    const [email] = await emailsTo('jane@example.com', before);
    expect(email!.source).toBe(SOURCE);
    expect(email!.subject).toBe('Your 3D model is ready');
    expect(email!.body).toContain(`${name}.png`);
    expect(email!.body).toContain('silhouette inflation (geometric, no learned model)');
    expect(email!.body).toContain('1000 vertices, 1996 triangles');
    const link = /href="([^"]+)"/.exec(email!.body)![1]!.replace(/&#38;/g, '&');
    expect(link).toContain('X-Amz-Expires=3600');
    expect(link).toContain(`versionId=${encodeURIComponent(mesh.versionId)}`);
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('ply\n');
  });

  it('sends the thumbnail inside the email (SendRawEmail, multipart/related), at the version the report names', async () => {
    const bucket = await newBucket();
    const jobId = newJobId();
    const upload = await put(bucket, 'users/u1/input/mug.png', 'png', { email: 'mug@example.com' });
    await putRequest(jobId, upload, { options: { backend: 'inflate', quality: 'standard' } });
    const picture = Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from('a thumbnail of the mug')]);
    const thumb = await put(bucket, 'users/u1/output/mug.thumb.png', picture, { 'job-id': jobId });
    await put(
      bucket,
      'users/u1/output/mug.thumb.png',
      Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from('later')]),
    );
    const report = jobReportOf({
      jobId,
      input: { bucket, key: upload.key, versionId: upload.versionId },
      output: {
        bucket,
        meshKey: 'users/u1/output/mug.ply',
        bytes: 4,
        images: [{ image: 'thumbnail', key: thumb.key, bytes: picture.length, versionId: thumb.versionId }],
      },
      finishedAt: '2026-12-06T09:00:00Z',
    });
    const reportWritten = await put(bucket, 'users/u1/output/mug.report.json', JSON.stringify(report));
    const mesh = await put(bucket, 'users/u1/output/mug.ply', 'ply\n', {
      'job-id': jobId,
      backend: 'inflate',
      'report-version-id': reportWritten.versionId,
    });
    const before = await rawEmails();
    expect(await setup(bucket)(s3CreatedEvent([mesh]), context)).toMatchObject({ sent: 1 });
    const [raw] = (await rawEmails())
      .slice(before.length)
      .filter((m) => m.destinations.includes('mug@example.com'));
    expect(raw!.source).toBe(SOURCE);
    const parsed = await simpleParser(raw!.raw_data, { keepCidLinks: true });
    expect(parsed.subject).toBe('Your 3D model is ready');
    expect(parsed.text).toContain('A picture of the model is in this email');
    expect(parsed.text).toContain('Your files are kept until 5 January 2027');
    expect(parsed.html).toContain('<img src="cid:thumbnail@gen3d"');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({
      cid: 'thumbnail@gen3d',
      contentType: 'image/png',
      related: true,
    });
    expect(Buffer.compare(parsed.attachments[0]!.content, picture)).toBe(0);
  });

  it.each([
    ['unreadable', '{"version": 1, "jobId": '],
    ['newer-format', JSON.stringify({ version: 2, jobId: 'x', somethingElse: true })],
  ])('still sends the mesh email when the report is %s, with what is known', async (_kind, reportBody) => {
    const bucket = await newBucket();
    const { mesh } = await finishedJob(bucket, 'vase', 'vase@example.com', reportBody);
    const before = (await sentEmails()).length;
    const summary = await setup(bucket)(s3CreatedEvent([mesh]), context);
    expect(summary).toMatchObject({ sent: 1, ignored: 0 });
    const [email] = await emailsTo('vase@example.com', before);
    expect(email!.subject).toBe('Your 3D model is ready');
    expect(email!.body).toContain('<th align="left">Method</th><td>unknown</td>');
  });

  it('sends the user plain words and the admin the technical details of a failure', async () => {
    const bucket = await newBucket();
    const upload = await put(bucket, 'users/u1/input/photo.png', 'jpeg', { email: 'jane@example.com' });
    const failure = await put(
      bucket,
      'users/u1/output/photo.failure.json',
      JSON.stringify({
        ...failureOf(bucket, newJobId(), upload, {
          type: 'NotAPngError',
          message: 'the upload is not a PNG: it looks like a JPEG image',
        }),
        stage: 'validation',
      }),
    );
    const before = (await sentEmails()).length;
    await setup(bucket)(s3CreatedEvent([failure]), context);
    const [user] = await emailsTo('jane@example.com', before);
    const [admin] = await emailsTo(ADMIN, before);
    expect(user!.body).toContain('not a PNG image');
    expect(user!.body).not.toContain('JPEG');
    expect(admin!.subject).toBe('[Gen3D] job failed: NotAPngError at validation');
    expect(admin!.body).toContain('it looks like a JPEG image');
  });

  it('gives two same-name uploads that both fail two emails, each to its own uploader', async () => {
    const bucket = await newBucket();
    const key = 'users/u1/input/shared.png';
    const first = await put(bucket, key, 'png', { email: 'first@example.com' });
    const firstFailure = await put(
      bucket,
      'users/u1/output/shared.failure.json',
      JSON.stringify(failureOf(bucket, newJobId(), first)),
    );
    const second = await put(bucket, key, 'png', { email: 'second@example.com' });
    const secondFailure = await put(
      bucket,
      'users/u1/output/shared.failure.json',
      JSON.stringify(failureOf(bucket, newJobId(), second)),
    );
    const before = (await sentEmails()).length;
    // Both events arrive after both writes: each must be read at its own version.
    const summary = await setup(bucket)(s3CreatedEvent([firstFailure, secondFailure]), context);
    expect(summary).toMatchObject({ sent: 2, duplicates: 0 });
    expect(await emailsTo('first@example.com', before)).toHaveLength(1);
    expect(await emailsTo('second@example.com', before)).toHaveLength(1);
    expect(await emailsTo(ADMIN, before)).toHaveLength(2);
  });

  it('sends the mesh email to the uploader of that job, not of a later upload under the same name', async () => {
    const bucket = await newBucket();
    const { mesh } = await finishedJob(bucket, 'lamp', 'owner@example.com');
    await put(bucket, 'users/u1/input/lamp.png', 'png', { email: 'later@example.com' });
    const before = (await sentEmails()).length;
    await setup(bucket)(s3CreatedEvent([mesh]), context);
    expect(await emailsTo('owner@example.com', before)).toHaveLength(1);
    expect(await emailsTo('later@example.com', before)).toHaveLength(0);
  });

  it('tells the admin about an upload with an unusable key', async () => {
    const bucket = await newBucket();
    const upload = await put(bucket, 'users/u1/input/nested/x.png', 'png', { email: 'jane@example.com' });
    const failure = await put(
      bucket,
      'rejected/fedcba9876543210fedcba9876543210.failure.json',
      JSON.stringify({
        version: 1,
        jobId: 'fedcba9876543210fedcba9876543210',
        input: { bucket, key: upload.key, versionId: upload.versionId },
        stage: 'validation',
        error: {
          type: 'InvalidKeyError',
          message: 'expected users/{userId}/input/{file} with no sub-folders',
        },
        retryable: false,
        failedAt: new Date().toISOString(),
      }),
    );
    const before = (await sentEmails()).length;
    const summary = await setup(bucket)(s3CreatedEvent([failure]), context);
    expect(summary.sent).toBe(1);
    expect((await emailsTo(ADMIN, before))[0]!.body).toContain('unknown (unusable key)');
    expect(await emailsTo('jane@example.com', before)).toHaveLength(1);
  });

  it('treats the SageMaker failure record of the same job as a duplicate, and tells the admin about an unknown one', async () => {
    const bucket = await newBucket();
    const upload = await put(bucket, 'users/u1/input/lost.png', 'png', { email: 'lost@example.com' });
    const failure = {
      ...failureOf(bucket, 'aaaaaaaabbbbbbbbccccccccdddddddd', upload, {
        type: 'WorkerCrashedError',
        message: 'the worker stopped during the job',
      }),
      retryable: true,
    };
    const written = await put(bucket, 'users/u1/output/lost.failure.json', JSON.stringify(failure));
    const record = await put(
      bucket,
      `sagemaker-output/failures/${failure.jobId}-error.out`,
      JSON.stringify(failure),
    );
    const unknown = await put(
      bucket,
      'sagemaker-output/failures/other-inference-error.out',
      'Received server error (500) from model',
    );
    const before = (await sentEmails()).length;
    const handler = setup(bucket);
    await handler(s3CreatedEvent([written]), context);
    const again = await handler(s3CreatedEvent([record, unknown]), context);
    expect(again).toMatchObject({ duplicates: 1, sent: 1 });
    expect(await emailsTo('lost@example.com', before)).toHaveLength(1);
    const admin = await emailsTo(ADMIN, before);
    expect(admin.map((m) => m.subject)).toEqual([
      '[Gen3D] job failed: WorkerCrashedError at reconstruction',
      '[Gen3D] SageMaker inference failed: other-inference',
    ]);
    expect(admin[1]!.body).toContain('Received server error (500) from model');
  });

  it.each([
    [
      'the container crashed',
      'Received server error (0) from primary with message "Worker died."',
      'WorkerCrashedError',
    ],
    ['SageMaker timed out', 'Inference request timed out after 3600 seconds', 'JobTimeoutError'],
    ['the request expired in the queue', 'Request expired: TTL of 21600 seconds exceeded', 'OverloadedError'],
  ])(
    'maps a bare SageMaker failure record (%s) back to its job: user in plain words, admin in detail, status failed',
    async (_what, text, type) => {
      const bucket = await newBucket();
      const jobId = newJobId();
      const upload = await put(bucket, 'users/u1/input/mug.png', 'png', { email: 'mug@example.com' });
      const requestedAt = new Date().toISOString();
      await putRequest(jobId, upload, { options: {}, requestedAt });
      await put(bucket, `jobs/${jobId}.json`, JSON.stringify({ version: 1, jobId, userId: 'u1' }));
      // A later upload of the same name by someone else must not receive this job's failure.
      await put(bucket, 'users/u1/input/mug.png', 'png', { email: 'someone-else@example.com' });
      const record = await put(bucket, `sagemaker-output/failures/${jobId}-error.out`, text);
      const before = (await sentEmails()).length;
      const summary = await setup(bucket)(s3CreatedEvent([record]), context);
      expect(summary).toMatchObject({ sent: 1 });
      const [user] = await emailsTo('mug@example.com', before);
      expect(user!.subject).toBe('We could not make your 3D model');
      expect(user!.body).not.toContain(text);
      expect(await emailsTo('someone-else@example.com', before)).toHaveLength(0);
      const [admin] = await emailsTo(ADMIN, before);
      expect(admin!.subject).toBe(`[Gen3D] job failed: ${type} at inference`);
      expect(admin!.body).toContain(text.replace(/"/g, '&#34;'));
      const status = parseJobStatus(
        JSON.parse(await bindBucket(store, bucket).getText(`users/u1/jobs/${jobId}/status.json`)),
      );
      expect(status).toMatchObject({ state: 'failed', queuedAt: requestedAt, error: { code: type } });
    },
  );

  it('sends one email for a duplicate event', async () => {
    const bucket = await newBucket();
    const { mesh } = await finishedJob(bucket, 'dup', 'dup@example.com');
    const before = (await sentEmails()).length;
    const handler = setup(bucket);
    const event = s3CreatedEvent([mesh, mesh]);
    const first = await handler(event, context);
    const second = await handler(event, context);
    expect(first.sent + second.sent).toBe(1);
    expect(await emailsTo('dup@example.com', before)).toHaveLength(1);
  });

  it('ignores keys that are not results', async () => {
    const bucket = await newBucket();
    const summary = await setup(bucket)(
      s3CreatedEvent([
        { bucket, key: 'users/u1/output/x.report.json' },
        { bucket, key: 'elsewhere/x.ply' },
      ]),
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
      const { mesh } = await finishedJob(bucket, 'slow', 'slow@example.com');
      const before = (await sentEmails()).length;
      const summary = await setup(bucket, { sesEndpoint: proxyEndpoint })(s3CreatedEvent([mesh]), context);
      expect(throttled).toBe(2);
      expect(summary.sent).toBe(1);
      expect(await emailsTo('slow@example.com', before)).toHaveLength(1);
    });
  });
});

describe('notify-lambda locks and refusals', () => {
  it('asks for a retry while the sender may still work, and a takeover after its deadline sends only what is missing', async () => {
    const bucket = await newBucket();
    const jobId = '11111111222222223333333344444444';
    const upload = await put(bucket, 'users/u1/input/half.png', 'png', { email: 'half@example.com' });
    const failure = await put(
      bucket,
      'users/u1/output/half.failure.json',
      JSON.stringify(failureOf(bucket, jobId, upload)),
    );
    const lockKey = `users/u1/jobs/${jobId}/notify.lock`;
    const event = s3CreatedEvent([failure]);
    const before = (await sentEmails()).length;
    const lock = (expiresAt: number, done: string[]) =>
      JSON.stringify({
        jobId,
        state: 'sending',
        startedAt: new Date().toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
        done,
      });
    await put(bucket, lockKey, lock(Date.now() + 60_000, []));
    await expect(setup(bucket)(event, context)).rejects.toThrow(/LockBusyError/);
    // An attempt that died after emailing the user: only the admin's email is left to send.
    await put(bucket, lockKey, lock(Date.now() - 1, ['user']));
    expect((await setup(bucket)(event, context)).sent).toBe(1);
    expect(await emailsTo('half@example.com', before)).toHaveLength(0);
    expect(await emailsTo(ADMIN, before)).toHaveLength(1);
    expect((await setup(bucket)(event, context)).duplicates).toBe(1);
  });

  it('does not retry what SES refuses for good (an unverified sender)', async () => {
    const bucket = await newBucket();
    const upload = await put(bucket, 'users/u1/input/half.png', 'png', { email: 'half@example.com' });
    const failure = await put(
      bucket,
      'users/u1/output/half.failure.json',
      JSON.stringify(failureOf(bucket, '55555555666666667777777788888888', upload)),
    );
    const summary = await setup(bucket, { source: 'unverified@genesis3d.com' })(
      s3CreatedEvent([failure]),
      context,
    );
    expect(summary.outcomes).toEqual([
      { status: 'sent', jobId: '55555555666666667777777788888888', emails: 0 },
    ]);
  });

  it('does not let a bad option in the upload metadata silence the user', async () => {
    const bucket = await newBucket();
    const upload = await put(bucket, 'users/u1/input/odd.png', 'png', {
      email: 'odd@example.com',
      backend: 'SAM3D',
    });
    const failure = await put(
      bucket,
      'users/u1/output/odd.failure.json',
      JSON.stringify(failureOf(bucket, '99999999aaaaaaaabbbbbbbbcccccccc', upload)),
    );
    const before = (await sentEmails()).length;
    await setup(bucket)(s3CreatedEvent([failure]), context);
    expect(await emailsTo('odd@example.com', before)).toHaveLength(1);
  });
});

// The sidecar writes the report, the PLY, then the `done` status; a container that dies or overruns after the PLY
// leaves SageMaker's failure record beside a stored mesh, and the two events come in either order.
describe('notify-lambda and a SageMaker failure record after the mesh was stored', () => {
  const statusOf = (jobId: string, state: 'done' | 'reconstructing', meshVersionId: string) => ({
    version: 2,
    jobId,
    userId: 'u1',
    name: 'late',
    state,
    queuedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    ...(state === 'done'
      ? { finishedAt: new Date().toISOString(), meshKey: 'users/u1/output/late.ply', meshVersionId }
      : {}),
  });

  it.each([
    ['done', 'the record first'],
    ['done', 'the mesh first'],
    ['reconstructing', 'the record first'],
    ['reconstructing', 'the mesh first'],
  ] as const)(
    'status left %s, %s: one mesh email to the user, one to the admin, the job done; replays send nothing',
    async (state, order) => {
      const bucket = await newBucket();
      const { jobId, mesh } = await finishedJob(bucket, 'late', 'late@example.com');
      await put(bucket, `jobs/${jobId}.json`, JSON.stringify({ version: 1, jobId, userId: 'u1' }));
      const statusKey = `users/u1/jobs/${jobId}/status.json`;
      await put(bucket, statusKey, JSON.stringify(statusOf(jobId, state, mesh.versionId)));
      const record = await put(
        bucket,
        `sagemaker-output/failures/${jobId}-error.out`,
        'Received server error (0) from primary with message "Worker died."',
      );
      const before = (await sentEmails()).length;
      const handler = setup(bucket);
      const events = order === 'the record first' ? [record, mesh] : [mesh, record];
      for (const event of events)
        expect(await handler(s3CreatedEvent([event]), context)).toMatchObject({ sent: 1 });
      expect(await handler(s3CreatedEvent(events), context)).toMatchObject({ sent: 0, duplicates: 2 });
      const user = await emailsTo('late@example.com', before);
      expect(user.map((m) => m.subject)).toEqual(['Your 3D model is ready']);
      expect((await emailsTo(ADMIN, before)).map((m) => m.subject)).toEqual([
        '[Gen3D] job failed: WorkerCrashedError at inference',
      ]);
      const status = parseJobStatus(JSON.parse(await bindBucket(store, bucket).getText(statusKey)));
      expect(status).toMatchObject({ state: 'done', meshKey: 'users/u1/output/late.ply' });
    },
  );
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
