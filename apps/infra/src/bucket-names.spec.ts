import { namesFor } from './names';
import { SettingsError } from './settings';
import { synthesize } from './testing';

// One synthesis with both bucket names chosen and every bucket-creating option on (audit trail, replica).
const chosen = synthesize(
  {},
  {
    GEN3D_DATA_BUCKET_NAME: 'acme-gen3d-data',
    GEN3D_MODEL_BUCKET_NAME: 'acme-gen3d-models',
    GEN3D_CLOUD_TRAIL: 'true',
    GEN3D_DR_REPLICA: 'true',
  },
);
const everything = JSON.stringify(chosen.stacks.map((s) => chosen.json(s.node.id)));
const bucketNames = chosen.stacks.flatMap((s) =>
  Object.values(chosen.json(s.node.id).Resources)
    .filter((r) => r.Type === 'AWS::S3::Bucket')
    .map((r) => r.Properties?.['BucketName']),
);

describe('chosen bucket names (S3 names are global)', () => {
  it('names the data and model buckets as chosen, and derives the audit and replica buckets from the data bucket', () => {
    expect(bucketNames.sort()).toEqual([
      'acme-gen3d-data',
      'acme-gen3d-data-audit',
      'acme-gen3d-data-replica-us-west-2',
      'acme-gen3d-models',
    ]);
  });

  it('leaves no seed bucket name anywhere: IAM, environment, notifications, OAC, replication', () => {
    expect(everything).not.toMatch(/gen3d-(data|model|audit)-bucket/);
    chosen.template('Gen3DExtractStack').hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { DATA_BUCKET: 'acme-gen3d-data' } },
    });
    expect(JSON.stringify(chosen.json('Gen3DInferenceStack'))).toContain(
      's3://acme-gen3d-models/segmentation/',
    );
    expect(JSON.stringify(chosen.json('Gen3DWebStack'))).toContain('acme-gen3d-data');
    expect(JSON.stringify(chosen.json('Gen3DNotifyStack'))).toContain(':s3:::acme-gen3d-data');
  });

  it('prefixes chosen names in the sandbox stage too', () => {
    const names = namesFor({ stage: 'sandbox', dataBucketName: 'acme-data', modelBucketName: 'acme-models' });
    expect([names.dataBucket, names.modelBucket, names.auditBucket, names.replicaBucket]).toEqual([
      'sandbox-acme-data',
      'sandbox-acme-models',
      'sandbox-acme-data-audit',
      'sandbox-acme-data-replica-us-west-2',
    ]);
  });

  it('refuses a data bucket name whose derived names S3 would refuse', () => {
    const long = 'a'.repeat(40);
    expect(() =>
      namesFor({ stage: 'sandbox', dataBucketName: long, modelBucketName: 'acme-models' }),
    ).toThrow(SettingsError);
    expect(() =>
      namesFor({ stage: 'sandbox', dataBucketName: long, modelBucketName: 'acme-models' }),
    ).toThrow(/sandbox-a{40}-replica-us-west-2/);
  });
});
