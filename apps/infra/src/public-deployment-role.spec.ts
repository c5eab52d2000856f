import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { PublicDeploymentRole } from './constructs/public-deployment-role';
import { cfnText } from './cfn-text';

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/** A stack with one public deployment (as the API stack's config.json) made by the given synthesizer. */
function deployedWith(synthesizer: DefaultStackSynthesizer, context: Record<string, string> = {}) {
  const stack = new Stack(new App({ context }), 'Deploys', {
    env: { region: 'us-east-1' },
    synthesizer,
  });
  const logGroup = new logs.LogGroup(stack, 'Logs');
  const deployer = new PublicDeploymentRole(stack, 'DeploymentRole', {
    dataBucket: 'gen3d-data-bucket',
    distributionArn: 'arn:aws:cloudfront::123456789012:distribution/E123',
    logGroup,
  });
  new s3deploy.BucketDeployment(stack, 'Config', {
    sources: [deployer.readable(s3deploy.Source.jsonData('config.json', { apiBase: 'https://api' }))],
    destinationBucket: s3.Bucket.fromBucketName(stack, 'Data', 'gen3d-data-bucket'),
    destinationKeyPrefix: 'public/',
    prune: false,
    logGroup,
    role: deployer.role,
  });
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role', {
    Properties: {
      Description: 'CDK BucketDeployment handler: copies into s3://gen3d-data-bucket/public/ only',
    },
  });
  const [role] = Object.values(roles) as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  }[];
  const statements = role?.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement) ?? [];
  return statements
    .filter((s) => [s.Action].flat().includes('s3:GetObject'))
    .flatMap((s) => [s.Resource].flat().map(cfnText));
}

describe('the public deployment role reads the deployment’s zip where the stack’s synthesizer put it', () => {
  it('in the default asset bucket, the one object and no other', () => {
    expect(deployedWith(new DefaultStackSynthesizer())).toEqual([
      expect.stringMatching(
        /^arn:\$\{AWS::Partition\}:s3:::cdk-hnb659fds-assets-\$\{AWS::AccountId\}-us-east-1\/[0-9a-f]{64}\.zip$/,
      ),
    ]);
  });

  it('in the bucket of another bootstrap qualifier', () => {
    expect(deployedWith(new DefaultStackSynthesizer({ qualifier: 'gen3dboot' }))).toEqual([
      expect.stringMatching(/:s3:::cdk-gen3dboot-assets-\$\{AWS::AccountId\}-us-east-1\/[0-9a-f]{64}\.zip$/),
    ]);
    expect(
      deployedWith(new DefaultStackSynthesizer(), { '@aws-cdk/core:bootstrapQualifier': 'ctxqual' }),
    ).toEqual([expect.stringMatching(/:s3:::cdk-ctxqual-assets-/)]);
  });

  it('in an asset bucket of another name', () => {
    const synthesizer = new DefaultStackSynthesizer({
      fileAssetsBucketName: 'team-assets-${AWS::AccountId}-${AWS::Region}',
    });
    expect(deployedWith(synthesizer)).toEqual([
      expect.stringMatching(/:s3:::team-assets-\$\{AWS::AccountId\}-us-east-1\/[0-9a-f]{64}\.zip$/),
    ]);
  });
});
