import { Match } from 'aws-cdk-lib/assertions';
import { SEED } from './seed';
import { synthesize } from './testing';

// One synthesis: the sandbox stage, as `GEN3D_STAGE=sandbox npx nx affected -t deploy` builds it.
const sandbox = synthesize({}, { GEN3D_STAGE: 'sandbox' });
const names = (type: string, key: string) =>
  sandbox.templates.flatMap((t) =>
    Object.values(t.template.Resources ?? {})
      .filter((r) => r.Type === type)
      .map((r) => r.Properties?.[key]),
  );

describe('the sandbox stage', () => {
  it('keeps the stack ids (the deploy targets) and prefixes the CloudFormation stack names', () => {
    expect(sandbox.stacks.map((s) => [s.node.id, s.stackName])).toEqual([
      ['Gen3DStorageStack', 'Sandbox-Gen3DStorageStack'],
      ['Gen3DInferenceStack', 'Sandbox-Gen3DInferenceStack'],
      ['Gen3DExtractStack', 'Sandbox-Gen3DExtractStack'],
      ['Gen3DNotifyStack', 'Sandbox-Gen3DNotifyStack'],
      ['Gen3DWebStack', 'Sandbox-Gen3DWebStack'],
      ['Gen3DApiStack', 'Sandbox-Gen3DApiStack'],
      ['Gen3DOperationsStack', 'Sandbox-Gen3DOperationsStack'],
    ]);
  });

  it('prefixes every physical name, so it deploys beside production in one account', () => {
    expect(names('AWS::S3::Bucket', 'BucketName')).toEqual([
      'sandbox-gen3d-data-bucket',
      'sandbox-gen3d-model-bucket',
    ]);
    expect(names('AWS::Lambda::Function', 'FunctionName')).toEqual(
      expect.arrayContaining(['Sandbox-Gen3DExtractLambda', 'Sandbox-Gen3DNotifyLambda']),
    );
    expect(names('AWS::SageMaker::Endpoint', 'EndpointName')).toEqual(['Sandbox-Gen3DSAMAsyncEndpoint']);
    expect(names('AWS::CloudWatch::Dashboard', 'DashboardName')).toEqual(['Sandbox-Gen3D-Operations']);
    expect(names('AWS::Logs::LogGroup', 'LogGroupName').filter((n) => n !== undefined)).toEqual([
      '/aws/sagemaker/Endpoints/Sandbox-Gen3DSAMAsyncEndpoint',
      '/aws/lambda/Sandbox-Gen3DExtractLambda',
      '/aws/lambda/Sandbox-Gen3DNotifyLambda',
      '/aws/lambda/Sandbox-Gen3DApiLambda',
      '/sandbox/gen3d/application',
    ]);
    const roleNames = names('AWS::IAM::Role', 'RoleName').filter((n) => typeof n === 'string');
    expect(roleNames).toEqual([
      'Sandbox-Gen3DSageMakerExecutionRole',
      'Sandbox-Gen3DLambdaExtractRole',
      'Sandbox-Gen3DLambdaNotifyRole',
      'Sandbox-Gen3DLambdaApiRole',
    ]);
    const json = JSON.stringify(sandbox.templates.map((t) => t.template));
    expect(json).not.toMatch(/[^-]gen3d-data-bucket|"Gen3DExtractLambda|:function:Gen3D/);
  });

  it('wires the sandbox functions to the sandbox bucket and endpoint', () => {
    const extract = sandbox.template('Gen3DExtractStack');
    extract.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SAGEMAKER_ENDPOINT_NAME: 'Sandbox-Gen3DSAMAsyncEndpoint',
          DATA_BUCKET: 'sandbox-gen3d-data-bucket',
        },
      },
    });
    const notifications = JSON.stringify(sandbox.json('Gen3DStorageStack'));
    expect(notifications).toContain(':function:Sandbox-Gen3DExtractLambda');
    expect(notifications).toContain(':function:Sandbox-Gen3DNotifyLambda');
  });

  it('shares the account-wide resources of production: no second image repository, no second SES identity', () => {
    expect(names('AWS::ECR::Repository', 'RepositoryName')).toEqual([]);
    expect(names('AWS::SES::EmailIdentity', 'EmailIdentity')).toEqual([]);
    sandbox.template('Gen3DInferenceStack').hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/gen3d-sam3d-inference:latest$')])],
        },
      },
    });
  });

  it('tags everything Environment=Sandbox', () => {
    sandbox.template('Gen3DStorageStack').hasResourceProperties('AWS::S3::Bucket', {
      Tags: Match.arrayWith([
        { Key: 'Environment', Value: 'Sandbox' },
        { Key: 'Project', Value: SEED.tags.Project },
      ]),
    });
  });
});
