import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildInputKey, buildJobDocumentKey, buildJobIndexKey, buildResultImageKey } from '@gen3d/s3-keys';
import { namesFor } from './names';
import { RETAINED_PREFIXES, retentionLifecycleRules } from './retention';
import { readSettings } from './settings';
import { StorageStack } from './stacks/storage-stack';

describe('retention', () => {
  it('covers every key of a job: upload, results, pictures, documents, index', () => {
    const keys = [
      buildInputKey({ userId: 'u1', name: 'chair' }),
      buildResultImageKey({ userId: 'u1', name: 'chair' }, 'thumbnail'),
      buildJobDocumentKey({ userId: 'u1', jobId: '0123456789abcdef', document: 'status' }),
      buildJobIndexKey('0123456789abcdef'),
    ];
    for (const key of keys) expect(RETAINED_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
  });

  it('expires what the data bucket keeps after the deployment’s gen3d:retentionDays', () => {
    const settings = readSettings(() => undefined, { GEN3D_RETENTION_DAYS: '7' });
    const stack = new StorageStack(new App(), 'Storage', { names: namesFor(), settings });
    const bucket = Template.fromStack(stack).findResources('AWS::S3::Bucket', {
      Properties: { BucketName: 'gen3d-data-bucket' },
    });
    const [data] = Object.values(bucket) as {
      Properties: { LifecycleConfiguration: { Rules: unknown[] } };
    }[];
    expect(data?.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'users/', ExpirationInDays: 7 }),
        expect.objectContaining({ Prefix: 'jobs/', ExpirationInDays: 7 }),
      ]),
    );
  });

  it('never puts ExpiredObjectDeleteMarker beside an expiry in days (S3 refuses the rule)', () => {
    for (const rule of retentionLifecycleRules(30)) {
      expect(rule.expiredObjectDeleteMarker === true && rule.expiration !== undefined).toBe(false);
    }
  });
});
