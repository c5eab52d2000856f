import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';

describe('StorageStack', () => {
  const app = buildApp(new App());
  const template = Template.fromStack(app.node.findChild('Gen3DStorageStack') as never);

  it('creates the data bucket as the seed specifies: versioned, SSE-S3, CORS for browser uploads, tagged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket',
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['GET', 'PUT', 'POST'],
            ExposedHeaders: ['ETag'],
            MaxAge: 3000,
          }),
        ],
      },
      Tags: Match.arrayWith([
        { Key: 'CostCenter', Value: 'Genesis3D' },
        { Key: 'Project', Value: 'Gen3D' },
      ]),
    });
  });

  it('allows public reads of public/* only', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/public/*']] },
          }),
        ]),
      },
    });
  });

  it('keeps the model bucket private and unversioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-model-bucket',
      VersioningConfiguration: Match.absent(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });
});
