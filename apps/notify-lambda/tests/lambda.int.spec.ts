import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { jobReportOf, workerReportOf } from '@gen3d/events/testing';
import { createSesClient } from '@gen3d/jobs/ses';
import { createLogger } from '@gen3d/logging';
import { createS3Client } from '@gen3d/object-store';
import { createVersionedBucket, s3CreatedEvent } from '@gen3d/object-store/testing';
import { createNotifyLambda } from '../src/lambda';

// Integration: the notify function as deployed (createNotifyLambda: the key from Secrets Manager, the API's URL from
// SSM) against moto server, before and after the API stack publishes that it redeems download links. Its S3 client
// signs with session credentials that do not say when they expire, as a Lambda role's do.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const sessionS3 = createS3Client({ endpoint });
sessionS3.config.credentials = async () => ({
  accessKeyId: 'ASIAEXAMPLESESSION01',
  secretAccessKey: 'session-secret',
  sessionToken: 'session-token',
});
const secrets = new SecretsManagerClient({ endpoint, region: 'us-east-1' });
const ssm = new SSMClient({ endpoint, region: 'us-east-1' });
const ses = createSesClient(endpoint);
const SOURCE = 'noreply@genesis3d.com';
const JOB = 'abcdef0123456789abcdef0123456789';
const context = {
  awsRequestId: 'req-l',
  functionName: 'Gen3DNotifyLambda',
  getRemainingTimeInMillis: () => 15_000,
};

async function rawEmailsTo(address: string): Promise<string[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: { destinations: { ToAddresses: string[] }; body: string }[] };
  };
  return (data.ses?.Message ?? [])
    .filter((m) => m.destinations.ToAddresses.includes(address))
    .map((m) => m.body);
}

/** A finished job of user u1 as extract and the sidecar leave it: upload (with the address), request, report, mesh. */
async function finishedJob(bucket: string, email: string) {
  const put = async (Key: string, Body: string, Metadata: Record<string, string> = {}) => {
    const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, Metadata }));
    return { bucket, key: Key, versionId: out.VersionId as string, size: Buffer.byteLength(Body) };
  };
  const upload = await put('users/u1/input/chair.png', 'png', { email });
  const input = { bucket, key: upload.key, versionId: upload.versionId };
  await put(
    `users/u1/jobs/${JOB}/request.json`,
    JSON.stringify({
      version: 1,
      jobId: JOB,
      userId: 'u1',
      input,
      requestedAt: new Date().toISOString(),
      options: { backend: 'inflate', quality: 'standard' },
      invocationTimeoutSeconds: 3600,
    }),
  );
  const report = await put(
    'users/u1/output/chair.report.json',
    JSON.stringify(
      jobReportOf({
        jobId: JOB,
        input,
        output: { bucket, meshKey: 'users/u1/output/chair.ply', bytes: 4 },
        worker: workerReportOf({ mesh: { vertices: 1000, faces: 1996, watertight: true } }),
        finishedAt: new Date().toISOString(),
      }),
    ),
  );
  return put('users/u1/output/chair.ply', 'ply\n', {
    'job-id': JOB,
    backend: 'inflate',
    'report-version-id': report.versionId,
  });
}

async function setup(email: string) {
  const bucket = await createVersionedBucket(s3, 'gen3d-notify-links');
  const suffix = bucket.slice('gen3d-notify-links-'.length);
  await secrets.send(
    new CreateSecretCommand({ Name: `gen3d/links/key-${suffix}`, SecretString: 'k'.repeat(40) }),
  );
  const parameter = `/gen3d/api/download-links-url-${suffix}`;
  const lambda = createNotifyLambda(
    {
      DATA_BUCKET: bucket,
      ADMIN_EMAIL: 'info@2112-lab.com',
      SOURCE_EMAIL: SOURCE,
      DOWNLOAD_KEY_SECRET_ARN: `gen3d/links/key-${suffix}`,
      API_URL_PARAMETER: parameter,
    },
    { s3: sessionS3, ses, secrets, ssm },
    createLogger({ service: 'notify-lambda', level: 'silent' }),
  );
  return { bucket, parameter, mesh: await finishedJob(bucket, email), lambda };
}

beforeAll(() => ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SOURCE })));

describe('the notify function before the API publishes its download links', () => {
  it('still emails, with a presigned link that works and a date no later than its credentials can be trusted', async () => {
    const email = `first-${Date.now()}@example.com`;
    const { mesh, lambda } = await setup(email);
    const sent = Date.now();

    const summary = await lambda(s3CreatedEvent([mesh]), context);

    expect(summary).toMatchObject({ sent: 1 });
    const [body] = await rawEmailsTo(email);
    const link = /href="([^"]+)"/.exec(body!)![1]!.replace(/&#38;/g, '&');
    expect(new URL(link).searchParams.get('X-Amz-Expires')).toBe('3600');
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('ply\n');
    const until = Date.parse(/the link works until ([^)]+)\)/.exec(body!)![1]!);
    expect(until).toBeLessThanOrEqual(Math.ceil((sent + 3600_000 + 1000) / 1000) * 1000);
    expect(until).toBeGreaterThan(sent + 3500_000);
  });

  it('links through the API once its stack has published the parameter', async () => {
    const email = `later-${Date.now()}@example.com`;
    const { parameter, mesh, lambda } = await setup(email);
    await ssm.send(
      new PutParameterCommand({ Name: parameter, Value: 'https://api.example.com/', Type: 'String' }),
    );

    expect(await lambda(s3CreatedEvent([mesh]), context)).toMatchObject({ sent: 1 });

    const [body] = await rawEmailsTo(email);
    expect(/href="([^"]+)"/.exec(body!)![1]).toMatch(
      /^https:\/\/api\.example\.com\/downloads\/[\w-]+\.[\w-]+$/,
    );
  });
});
