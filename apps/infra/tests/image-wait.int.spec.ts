import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ecrRegistry, ImageWaitError } from '../src/image-wait';
import { workspaceRoot } from '../src/workspace';

// The inference deploy's wait (image-wait-cli.ts, the first step of deploy-inference) against moto server's ECR, with
// the real AWS SDK: the built CLI runs as its own process, as CI runs it.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
// A region of its own: moto is shared by the run's spec files, and none other uses ECR there.
const region = 'eu-central-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ecr = new ECRClient({ region, credentials, endpoint });
const repository = 'gen3d-sam3d-inference';
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: {
    mediaType: 'application/vnd.docker.container.image.v1+json',
    size: 1,
    digest: `sha256:${'a'.repeat(64)}`,
  },
  layers: [],
});

/** Runs the built CLI with the deployment's settings; its ECR client finds moto through AWS_ENDPOINT_URL. */
async function imageWait(env: Record<string, string>) {
  const cli = join(workspaceRoot(), 'dist/apps/infra/image-wait-cli.js');
  const run = promisify(execFile)(process.execPath, [cli], {
    env: {
      PATH: process.env['PATH'] ?? '',
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ...env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return run.then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      out: `${error.stdout}${error.stderr}`,
    }),
  );
}

describe('the inference deploy waits for the image in ECR', () => {
  it('stops at once when the repository does not exist yet (the storage stack makes it)', async () => {
    await expect(ecrRegistry(ecr).hasImage(repository, 'cpu-0123456789ab')).rejects.toThrow(ImageWaitError);
    const { code, out } = await imageWait({ GEN3D_PROFILE: 'cpu', GEN3D_IMAGE_TAG: '0123456789ab' });
    expect({ code, out }).toEqual({
      code: 1,
      out: expect.stringMatching(/gen3d-sam3d-inference does not exist/),
    });
  });

  it('answers "not yet" for a tag not pushed, and "there" once the images workflow has pushed it', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const registry = ecrRegistry(ecr);
    await expect(registry.hasImage(repository, 'sam3d-0123456789ab')).resolves.toBe(false);
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageTag: 'sam3d-0123456789ab',
        imageManifest: manifest,
      }),
    );
    await expect(registry.hasImage(repository, 'sam3d-0123456789ab')).resolves.toBe(true);
    // Another profile's image at the same commit is not this one.
    await expect(registry.hasImage(repository, 'cpu-0123456789ab')).resolves.toBe(false);
  });

  it('deploys the profile’s image at the commit’s tag: the CLI returns as soon as it is in the repository', async () => {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageTag: 'cpu-fedcba987654',
        imageManifest: manifest,
      }),
    );
    const { code, out } = await imageWait({ GEN3D_PROFILE: 'cpu', GEN3D_IMAGE_TAG: 'fedcba987654' });
    expect({ code, out }).toEqual({
      code: 0,
      out: expect.stringMatching(/gen3d-sam3d-inference:cpu-fedcba987654 is in ECR/),
    });
  });
});
