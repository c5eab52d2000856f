import {
  CreateBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  HeadBucketCommand,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { emptyAndDeleteBucket, exportUserData, removeNotifications } from '../src/decommission/s3-steps';
import { workspaceRoot } from '../src/workspace';

// `npm run decommission`'s S3 steps with the real AWS SDK v3 against moto server: the export (to a folder and to a
// bucket, checked), the notifications, and emptying a versioned bucket of every version and delete marker.
const endpoint = process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string;
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});
const data = `decommission-data-${Date.now().toString(36)}`;
const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: data, Key: key, Body: body }));

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: data }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: data, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await put('users/u1/input/chair.png', 'png bytes');
  await put('users/u1/output/chair.ply', 'first mesh');
  await put('users/u1/output/chair.ply', 'second mesh, longer');
  await put('users/u2/input/my lamp (1).png', 'lamp');
  await put('users/u2/input/../../escape.png', 'a key that tries to climb out');
  await put('api/users/u1.json', '{"session":true}');
  await put('public/index.html', '<!doctype html>');
  await put('users/u3/input/gone.png', 'deleted later');
  await s3.send(new DeleteObjectCommand({ Bucket: data, Key: 'users/u3/input/gone.png' }));
});

describe('decommissioning, the S3 steps', () => {
  it('exports the current version of every user object to a folder, never the web site, never outside it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gen3d-export-'));
    const summary = await exportUserData(s3, data, folder);
    expect(summary.objects).toBe(5);
    expect(readFileSync(join(folder, 'users/u1/output/chair.ply'), 'utf8')).toBe('second mesh, longer');
    expect(readFileSync(join(folder, 'users/u2/input/my lamp (1).png'), 'utf8')).toBe('lamp');
    expect(readFileSync(join(folder, 'api/users/u1.json'), 'utf8')).toBe('{"session":true}');
    expect(existsSync(join(folder, 'public'))).toBe(false);
    expect(existsSync(join(folder, 'users/u3'))).toBe(false);
    expect(existsSync(join(folder, '..', 'escape.png'))).toBe(false);
    expect(readFileSync(join(folder, 'users/u2/input/_/_/escape.png'), 'utf8')).toBe(
      'a key that tries to climb out',
    );
  });

  it('exports to another bucket under a prefix, and checks the bytes arrived', async () => {
    const archive = `${data}-archive`;
    await s3.send(new CreateBucketCommand({ Bucket: archive }));
    const summary = await exportUserData(s3, data, `s3://${archive}/gen3d-2026`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: archive }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(
      [
        'gen3d-2026/api/users/u1.json',
        'gen3d-2026/users/u1/input/chair.png',
        'gen3d-2026/users/u1/output/chair.ply',
        'gen3d-2026/users/u2/input/../../escape.png',
        'gen3d-2026/users/u2/input/my lamp (1).png',
      ].sort(),
    );
    expect(listed.Contents?.reduce((sum, o) => sum + (o.Size ?? 0), 0)).toBe(summary.bytes);
    await expect(exportUserData(s3, data, `s3://${data}/backup/`)).rejects.toThrow(/must go outside/);
  });

  it('removes the notifications, then every version and delete marker, then the bucket', async () => {
    await removeNotifications(s3, data);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: data }));
    const count = (versions.Versions?.length ?? 0) + (versions.DeleteMarkers?.length ?? 0);
    expect(count).toBe(9); // 8 versions and 1 delete marker
    expect(await emptyAndDeleteBucket(s3, data)).toBe(count);
    await expect(s3.send(new HeadBucketCommand({ Bucket: data }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect(await emptyAndDeleteBucket(s3, data)).toBe(0); // a rerun finds it gone
  });

  it('is a dry run without --yes: prints the plan, export first, and changes nothing', async () => {
    const kept = `${data}-kept`;
    await s3.send(new CreateBucketCommand({ Bucket: kept }));
    const cli = join(workspaceRoot(), 'dist/apps/infra/decommission-cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, '--to', '/tmp/nowhere'], {
      env: {
        PATH: process.env['PATH'],
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        GEN3D_DATA_BUCKET_NAME: kept,
      },
    });
    expect(stdout).toMatch(
      new RegExp(`^1\\. export all user data from s3://${kept} to /tmp/nowhere \\(seed §20: 1\\)$`, 'm'),
    );
    expect(stdout).toMatch(/dry run: nothing was changed/);
    await expect(s3.send(new HeadBucketCommand({ Bucket: kept }))).resolves.toBeDefined();
    const noTarget = await promisify(execFile)(process.execPath, [cli], {
      env: { PATH: process.env['PATH'] },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(noTarget).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: npm run decommission/) });
  });
});
