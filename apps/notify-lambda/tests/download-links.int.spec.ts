import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createDownloadLinkSigner, DownloadKeyError } from '@gen3d/jobs';
import { ConfigError } from '@gen3d/runtime';
import { downloadLinkSourcesOf, loadDownloadLinks } from '../src/download-links';

// Integration: the notify function's download links from Secrets Manager (the shared key) and SSM (the API's URL,
// which the API stack writes) with the real SDK v3 clients against moto server.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const secrets = new SecretsManagerClient({ endpoint, region: 'us-east-1' });
const ssm = new SSMClient({ endpoint, region: 'us-east-1' });

async function sources(secret: string, apiUrl: string | undefined) {
  const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  await secrets.send(new CreateSecretCommand({ Name: `gen3d/links/key-${suffix}`, SecretString: secret }));
  if (apiUrl !== undefined) {
    await ssm.send(
      new PutParameterCommand({ Name: `/gen3d/api/url-${suffix}`, Value: apiUrl, Type: 'String' }),
    );
  }
  const found = downloadLinkSourcesOf({
    DOWNLOAD_KEY_SECRET_ARN: `gen3d/links/key-${suffix}`,
    API_URL_PARAMETER: `/gen3d/api/url-${suffix}`,
  });
  if (!found) throw new Error('both variables were given');
  return found;
}

describe('the notify function’s download links against moto', () => {
  it('signs links to the API’s URL under the key the API checks with', async () => {
    const key = `n${'k'.repeat(39)}`;
    const links = await loadDownloadLinks(await sources(key, 'https://api.example.com/'), { secrets, ssm });
    if (!links) throw new Error('the parameter exists');
    const until = new Date(Date.now() + 3600_000);
    const url = links.urlFor(
      { key: 'users/u1/output/chair.ply', versionId: 'v1', jobId: '0123456789abcdef' },
      until,
    );
    expect(url).toMatch(/^https:\/\/api\.example\.com\/downloads\//);
    const verified = createDownloadLinkSigner(Buffer.from(key)).verify(
      url.split('/').pop() as string,
      new Date(),
    );
    expect(verified).toMatchObject({ ok: true, claims: { key: 'users/u1/output/chair.ply', ver: 'v1' } });
  });

  it('refuses an empty key and an API address that is not https', async () => {
    await expect(
      loadDownloadLinks(await sources(' ', 'https://api.example.com/'), { secrets, ssm }),
    ).rejects.toThrow(DownloadKeyError);
    await expect(
      loadDownloadLinks(await sources('k'.repeat(40), 'http://api.example.com/'), { secrets, ssm }),
    ).rejects.toThrow(ConfigError);
  });

  it('has no links while the API has not published its URL (the emails then carry presigned ones)', async () => {
    await expect(
      loadDownloadLinks(await sources('k'.repeat(40), undefined), { secrets, ssm }),
    ).resolves.toBeUndefined();
  });

  it('takes both variables or neither', () => {
    expect(downloadLinkSourcesOf({})).toBeUndefined();
    expect(() => downloadLinkSourcesOf({ DOWNLOAD_KEY_SECRET_ARN: 'gen3d/links/key' })).toThrow(ConfigError);
  });
});
