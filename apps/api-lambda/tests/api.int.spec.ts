import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import type { FunctionUrlEvent } from '@gen3d/api';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createApiLambda } from '../src/handler';

// Integration: the Lambda entry point with the real SDK v3 clients against moto server (S3, Secrets Manager, SES):
// the token key comes from the secret, the browser's upload is a real multipart POST to the presigned POST, and
// the confirmation email is read back from moto's SES model.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const secrets = new SecretsManagerClient({ endpoint, region: 'us-east-1' });
const ses = new SESClient({ endpoint, region: 'us-east-1' });
const SOURCE = 'noreply@genesis3d.com';
const WEB = 'https://gen3d-data-bucket.s3.amazonaws.com/public/index.html';

async function setup(options: { createSecret?: boolean } = {}) {
  const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  const bucket = `gen3d-api-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SOURCE }));
  const secretName = `gen3d-api-key-${suffix}`;
  const createSecret = () =>
    secrets.send(
      new CreateSecretCommand({ Name: secretName, SecretString: 'k'.repeat(24) + suffix.repeat(3) }),
    );
  if (options.createSecret !== false) await createSecret();
  const lambda = createApiLambda(
    { DATA_BUCKET: bucket, SOURCE_EMAIL: SOURCE, TOKEN_SECRET_ARN: secretName, WEB_URL: WEB },
    { store: new S3ObjectStore(s3), secrets, ses },
    createLogger({ service: 'api', level: 'silent' }),
  );
  const call = async (method: string, rawPath: string, body?: unknown, token?: string) => {
    const event: FunctionUrlEvent = {
      rawPath,
      rawQueryString: '',
      requestContext: { http: { method } },
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body), isBase64Encoded: false } : {}),
    };
    const result = await lambda(event);
    return { status: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown> };
  };
  return { bucket, call, createSecret };
}

async function sentTo(address: string): Promise<{ subject: string; body: string }[]> {
  const data = (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: { subject: string; body: string; destinations: { ToAddresses: string[] } }[] };
  };
  return (data.ses?.Message ?? []).filter((m) => m.destinations.ToAddresses.includes(address));
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('the API Lambda against moto', () => {
  it('creates a session, grants an upload the browser can POST, and sends the confirmation through SES', async () => {
    const api = await setup();
    const session = await api.call('POST', '/session');
    expect(session.status).toBe(201);
    const token = session.json['token'] as string;
    const address = `ann-${Date.now()}@example.com`;
    const grant = await api.call(
      'POST',
      '/uploads',
      { fileName: 'chair.png', size: PNG.length, email: address },
      token,
    );
    expect(grant.status).toBe(201);
    const upload = grant.json['upload'] as { url: string; fields: Record<string, string> };

    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'chair.png');
    const posted = await fetch(upload.url, { method: 'POST', body: form });
    expect(posted.status).toBeLessThan(300);

    const head = await new S3ObjectStore(s3).head(api.bucket, grant.json['key'] as string);
    expect(head?.metadata).toMatchObject({ email: address, quality: 'standard', access: expect.any(String) });
    expect(head?.size).toBe(PNG.length);

    const mails = await sentTo(address);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe('Confirm your address for Gen3D');
    expect(mails[0]?.body).toContain(`${WEB}#confirm=`);
  });

  it('keeps working after the secret appears (a failed key read is not cached)', async () => {
    const api = await setup({ createSecret: false });
    await expect(api.call('POST', '/session')).rejects.toThrow(/Secrets Manager can't find|ResourceNotFound/);
    await api.createSecret();
    expect((await api.call('POST', '/session')).status).toBe(201);
  });
});
