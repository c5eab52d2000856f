import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createDownloadLinks, createDownloadLinkSigner } from '@gen3d/jobs';
import { createLogger } from '@gen3d/logging';
import { createS3Client, S3ObjectStore } from '@gen3d/object-store';
import { createVersionedBucket } from '@gen3d/object-store/testing';
import { createApiLambda } from '../src/handler';

// Integration: an email's download link, signed as the notify function signs it, redeemed by the API Lambda with the
// real SDK v3 clients against moto server: the shared key from Secrets Manager, the mesh in a versioned S3 bucket,
// the redirect followed to moto's presigned URL.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = createS3Client({ endpoint });
const secrets = new SecretsManagerClient({ endpoint, region: 'us-east-1' });
const ses = new SESClient({ endpoint, region: 'us-east-1' });
const ssm = new SSMClient({ endpoint, region: 'us-east-1' });
const JOB = '0123456789abcdef';

async function setup(downloadKey: string, apiUrl?: string) {
  const bucket = await createVersionedBucket(s3, 'gen3d-downloads');
  const suffix = bucket.slice('gen3d-downloads-'.length);
  const tokenSecret = `gen3d-api-key-${suffix}`;
  const downloadSecret = `gen3d-download-key-${suffix}`;
  await secrets.send(new CreateSecretCommand({ Name: tokenSecret, SecretString: 't'.repeat(40) }));
  await secrets.send(new CreateSecretCommand({ Name: downloadSecret, SecretString: downloadKey }));
  const written = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'users/u1/output/chair.glb',
      Body: 'glTF-bytes',
      Metadata: { 'job-id': JOB },
    }),
  );
  const apiUrlParameter = `/gen3d/api/url-${suffix}`;
  if (apiUrl)
    await ssm.send(new PutParameterCommand({ Name: apiUrlParameter, Value: apiUrl, Type: 'String' }));
  const lambda = createApiLambda(
    {
      DATA_BUCKET: bucket,
      SOURCE_EMAIL: 'noreply@genesis3d.com',
      TOKEN_SECRET_ARN: tokenSecret,
      DOWNLOAD_KEY_SECRET_ARN: downloadSecret,
      WEB_URL: 'https://gen3d.example.com/',
      ...(apiUrl ? { API_URL_PARAMETER: apiUrlParameter } : {}),
    },
    { store: new S3ObjectStore(s3), secrets, ses, ssm },
    createLogger({ service: 'api', level: 'silent' }),
  );
  const get = (rawPath: string) =>
    lambda({ rawPath, requestContext: { http: { method: 'GET' } }, headers: {} });
  return { get, versionId: written.VersionId as string, downloadSecret };
}

describe('download links through the API Lambda against moto', () => {
  it('redirects a link the notify function signed to the version the job wrote; refuses an edited one', async () => {
    const key = `d${'k'.repeat(39)}${Date.now()}`;
    const api = await setup(key);
    const links = createDownloadLinks(createDownloadLinkSigner(Buffer.from(key)), 'https://api.example.com');
    const until = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const path = new URL(
      links.urlFor({ key: 'users/u1/output/chair.glb', versionId: api.versionId, jobId: JOB }, until),
    ).pathname;

    const answer = await api.get(path);
    expect(answer.statusCode).toBe(302);
    const location = answer.headers['location'] as string;
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('300');
    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('glTF-bytes');

    const refused = await api.get(`${path.slice(0, -2)}AA`);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('This download link is not valid');
  });

  it('reads its own URL from SSM for the links of released results, and refuses one that is not https', async () => {
    const key = `d${'k'.repeat(39)}${Date.now()}`;
    const answering = await setup(key, 'https://api.example.com/');
    expect((await answering.get('/downloads/x.y')).statusCode).toBe(403);
    const plain = await setup(key, 'http://api.example.com/');
    await expect(plain.get('/downloads/x.y')).rejects.toThrow(/is not an https URL/);
  });

  it('refuses to start with an empty download key rather than check links with it', async () => {
    const api = await setup(' ');
    await expect(api.get('/downloads/x.y')).rejects.toThrow(/at least 32 are needed/);
  });

  it('accepts links signed with the key before a rotation (AWSPREVIOUS), not with the one before that', async () => {
    const first = `d${'1'.repeat(39)}${Date.now()}`;
    const second = `d${'2'.repeat(39)}${Date.now()}`;
    const third = `d${'3'.repeat(39)}${Date.now()}`;
    const api = await setup(first);
    await secrets.send(new PutSecretValueCommand({ SecretId: api.downloadSecret, SecretString: second }));
    await secrets.send(new PutSecretValueCommand({ SecretId: api.downloadSecret, SecretString: third }));
    const until = new Date(Date.now() + 3600_000);
    const pathSignedWith = (key: string) =>
      new URL(
        createDownloadLinks(createDownloadLinkSigner(Buffer.from(key)), 'https://api.example.com').urlFor(
          { key: 'users/u1/output/chair.glb', versionId: api.versionId, jobId: JOB },
          until,
        ),
      ).pathname;

    expect((await api.get(pathSignedWith(third))).statusCode).toBe(302);
    expect((await api.get(pathSignedWith(second))).statusCode).toBe(302);
    expect((await api.get(pathSignedWith(first))).statusCode).toBe(403);
  });
});
