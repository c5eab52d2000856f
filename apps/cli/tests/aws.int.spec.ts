import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { jobReportOf, reportOutputOf } from '@gen3d/events/testing';
import { jobIdFor } from '@gen3d/jobs';
import { createS3Client } from '@gen3d/object-store';

// `gen3d --aws` against moto server, with the usual AWS configuration in the environment (endpoint, region, keys):
// the upload is the object and metadata the extract lambda reads, and status/open read what the pipeline writes.
const CLI = path.resolve(__dirname, '../../../dist/apps/cli/main.js');
const bucket = `gen3d-cli-${Date.now().toString(36)}`;
const client = createS3Client({ endpoint: process.env['GEN3D_TEST_MOTO_ENDPOINT'] as string });
const work = mkdtempSync(path.join(tmpdir(), 'gen3d-cli-'));
const picture = path.join(work, 'my chair.png');

async function gen3d(...args: string[]) {
  const withBucket = args.includes('--bucket') ? args : [...args, '--bucket', bucket];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CLI, ...withBucket, '--aws', '--user', 'op1'],
      {
        env: { ...process.env, AWS_ENDPOINT_URL: process.env['GEN3D_TEST_MOTO_ENDPOINT'] },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  // The smallest PNG header the CLI accepts (the worker judges the rest).
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(4, 8);
  ihdr.writeUInt32BE(4, 12);
  writeFileSync(
    picture,
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('gen3d --aws', () => {
  it('uploads with the metadata the extract lambda reads and names the job the pipeline will run', async () => {
    const submitted = await gen3d(
      'submit',
      picture,
      '--email',
      'op@example.com',
      '--point',
      '2,3',
      '--quality',
      'fast',
      '--json',
    );
    expect(submitted.code).toBe(0);
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'users/op1/input/my chair.png' }),
    );
    expect(head.Metadata).toEqual({ email: 'op@example.com', point: '2,3', quality: 'fast' });
    expect(head.ContentType).toBe('image/png');
    expect(jobId).toBe(
      jobIdFor({
        bucket,
        key: 'users/op1/input/my chair.png',
        versionId: head.VersionId as string,
        eTag: (head.ETag as string).replace(/"/g, ''),
      }),
    );
  });

  it('reads the job the pipeline wrote: status, list, and open downloads the mesh', async () => {
    const jobId = '0123456789abcdef0123456789abcdef';
    const now = new Date().toISOString();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'users/op1/output/my chair.ply',
        Body: 'ply\nformat binary_little_endian 1.0\nend_header\n',
      }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `users/op1/jobs/${jobId}/status.json`,
        ContentType: 'application/json',
        Body: JSON.stringify({
          version: 2,
          jobId,
          userId: 'op1',
          name: 'my chair',
          state: 'done',
          queuedAt: now,
          startedAt: now,
          finishedAt: now,
          updatedAt: now,
          meshKey: 'users/op1/output/my chair.ply',
          mesh: { vertices: 8, faces: 12, watertight: true },
        }),
      }),
    );
    const status = await gen3d('status', jobId);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('my chair.png is done');
    expect(status.stdout).toContain('mesh: 8 vertices, 12 triangles, closed');
    expect(status.stdout).toMatch(/link: http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const list = JSON.parse((await gen3d('list', '--json')).stdout) as {
      jobs: { job: { jobId: string } }[];
    };
    expect(list.jobs.map((j) => j.job.jobId)).toContain(jobId);
    const out = path.join(work, 'downloaded.ply');
    expect((await gen3d('open', jobId, '--out', out)).code).toBe(0);
    const stored = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'users/op1/output/my chair.ply' }),
    );
    expect(readFileSync(out, 'utf8')).toBe(await stored.Body?.transformToString());
  });

  it('submits prompts, formats and a face budget as metadata, and opens the format asked for', async () => {
    const submitted = await gen3d(
      'submit',
      picture,
      '--point',
      '1,1',
      '--negative-point',
      '0,3',
      '--box',
      '0,0,4,4',
      '--formats',
      'glb,stl',
      '--target-faces',
      '500',
      '--json',
    );
    expect(submitted.code).toBe(0);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'users/op1/input/my chair.png' }),
    );
    expect(head.Metadata).toEqual({
      points: '1,1,1;0,3,0',
      box: '0,0,4,4',
      formats: 'glb,stl',
      'target-faces': '500',
    });
    // What the sidecar writes for such a job: the GLB (twice: the report names the first version), the report.
    const jobId = 'fedcba9876543210fedcba9876543210';
    const now = new Date().toISOString();
    const glb = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/op1/output/cup.glb', Body: 'glTF this job' }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/op1/output/cup.glb', Body: 'glTF a later one' }),
    );
    const put = (Key: string, body: unknown) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(body) }));
    await put(
      'users/op1/output/cup.report.json',
      jobReportOf({
        jobId,
        userId: 'op1',
        input: { bucket, key: 'users/op1/input/cup.png' },
        output: reportOutputOf(bucket, 'users/op1/output/cup.ply', [
          { format: 'glb', key: 'users/op1/output/cup.glb', bytes: 13, versionId: glb.VersionId },
        ]),
        finishedAt: now,
      }),
    );
    await put('users/op1/output/cup.ply', 'ply\n');
    await put(`users/op1/jobs/${jobId}/status.json`, {
      version: 2,
      jobId,
      userId: 'op1',
      name: 'cup',
      state: 'done',
      queuedAt: now,
      updatedAt: now,
      meshKey: 'users/op1/output/cup.ply',
    });
    const out = path.join(work, 'cup.glb');
    const opened = await gen3d('open', jobId, '--format', 'glb', '--out', out);
    expect(opened.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('glTF this job');
    const none = await gen3d('open', jobId, '--format', 'stl');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`gen3d: job ${jobId} made no STL (it made: ply, glb)`);
  });

  it('says when the job does not exist, or the bucket cannot be used', async () => {
    const missing = await gen3d('status', 'ffffffffffffffffffffffffffffffff');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'gen3d: no job ffffffffffffffffffffffffffffffff for this user (see gen3d list)\n',
    );
    const noBucket = await gen3d('list', '--bucket', 'gen3d-no-such-bucket');
    expect(noBucket.code).toBe(3);
    expect(noBucket.stderr).toMatch(
      /gen3d: cannot use s3:\/\/gen3d-no-such-bucket with this AWS configuration: NoSuchBucket/,
    );
  });
  it('retries a job on the version it was made from, deletes every version of it, and exports the rest', async () => {
    const jobId = 'abcdefabcdefabcdefabcdefabcdef01';
    const now = new Date().toISOString();
    const png = readFileSync(picture);
    const first = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'users/op1/input/vase.png',
        Body: png,
        ContentType: 'image/png',
        Metadata: { email: 'op@example.com', quality: 'fast' },
      }),
    );
    // A later upload under the same name: neither the retry nor the delete may touch it.
    const later = Buffer.concat([png, Buffer.from('later')]);
    const second = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'users/op1/input/vase.png', Body: later }),
    );
    const put = (Key: string, body: unknown) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(body) }));
    await put(`users/op1/jobs/${jobId}/request.json`, {
      version: 1,
      jobId,
      userId: 'op1',
      input: { bucket, key: 'users/op1/input/vase.png', versionId: first.VersionId },
      options: { backend: 'inflate', quality: 'fast', point: { x: 1, y: 1 } },
      requestedAt: now,
    });
    await put(`jobs/${jobId}.json`, { version: 1, jobId, userId: 'op1' });
    await put('users/op1/output/vase.failure.json', { jobId, error: 'NoObjectFoundError' });
    await put(`users/op1/jobs/${jobId}/status.json`, {
      version: 2,
      jobId,
      userId: 'op1',
      name: 'vase',
      state: 'failed',
      queuedAt: now,
      finishedAt: now,
      updatedAt: now,
      error: { code: 'NoObjectFoundError', reason: 'no object' },
    });

    const retried = await gen3d('retry', jobId, '--box', '0,0,4,4', '--shape', 'slab', '--json');
    expect(retried.code).toBe(0);
    const retry = JSON.parse(retried.stdout) as { jobId: string; name: string };
    expect(retry.name).toMatch(/^vase-[0-9a-f]{8}$/);
    const copyKey = `users/op1/input/${retry.name}.png`;
    const copy = await client.send(new GetObjectCommand({ Bucket: bucket, Key: copyKey }));
    expect(Buffer.from((await copy.Body?.transformToByteArray()) ?? [])).toEqual(png);
    expect(copy.Metadata).toEqual({
      email: 'op@example.com',
      backend: 'inflate',
      quality: 'fast',
      box: '0,0,4,4',
      shape: 'slab',
      'retry-of': jobId,
    });
    expect(retry.jobId).toBe(
      jobIdFor({
        bucket,
        key: copyKey,
        versionId: copy.VersionId as string,
        eTag: (copy.ETag as string).replace(/"/g, ''),
      }),
    );

    const deleted = await gen3d('delete', jobId, '--json');
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: { input: 1, output: 1, document: 3 } });
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const left = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map(
      (v) => `${v.Key}@${v.VersionId}`,
    );
    expect(left.filter((v) => v.includes(jobId) || v.startsWith('users/op1/output/vase.'))).toEqual([]);
    expect(left).not.toContain(`users/op1/input/vase.png@${first.VersionId}`);
    expect(left).toContain(`users/op1/input/vase.png@${second.VersionId}`);
    expect(left.some((v) => v.startsWith(`${copyKey}@`))).toBe(true);
    const again = await gen3d('delete', jobId);
    expect([again.code, again.stderr]).toEqual([
      1,
      `gen3d: no job ${jobId} for this user (see gen3d list)\n`,
    ]);

    const folder = path.join(work, 'export');
    const exported = await gen3d('export', '--to', folder);
    expect(exported.code).toBe(0);
    expect(readFileSync(path.join(folder, 'users/op1/input/vase.png'))).toEqual(later);
    expect(readFileSync(path.join(folder, copyKey))).toEqual(png);
  });
});
