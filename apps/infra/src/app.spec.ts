import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, TagManager } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { NOTIFICATION_RULES } from '@gen3d/s3-keys';
import { cfnText } from './cfn-text';
import { costDoc, COST_DOC, readDoc, RESOURCES_DOC, resourcesDoc } from './docs';
import { SEED } from './seed';
import { EVERY_OPTION_CONTEXT } from './synth';
import { defined, synthesize, type Synthesized } from './testing';
import { workspaceRoot } from './workspace';

// Two syntheses for the whole file (each runs cdk-nag's AwsSolutions checks: synth throws on any finding that is
// not acknowledged with a reason, so reaching the tests proves the nag check passed).
const production = synthesize();
const everyOption = synthesize(EVERY_OPTION_CONTEXT);
const root = workspaceRoot();

type Resource = { Type: string; Properties?: Record<string, unknown> };
const resourcesOf = (app: Synthesized): (Resource & { stack: string; logicalId: string })[] =>
  app.templates.flatMap((t) =>
    Object.entries(t.template.Resources ?? {}).map(([logicalId, r]) => ({ ...r, stack: t.id, logicalId })),
  );
const ofType = (app: Synthesized, type: string) => resourcesOf(app).filter((r) => r.Type === type);
const prop = (r: Resource, key: string) => (r.Properties ?? {})[key];
const dataBucketOf = (app: Synthesized) =>
  defined(
    ofType(app, 'AWS::S3::Bucket').find((r) => prop(r, 'BucketName') === 'gen3d-data-bucket'),
    'gen3d-data-bucket',
  );

describe('the seed’s 20 resources', () => {
  it('deploys one stack per deploy target, plus operations', () => {
    expect(production.stacks.map((s) => s.node.id)).toEqual([
      'Gen3DStorageStack',
      'Gen3DInferenceStack',
      'Gen3DExtractStack',
      'Gen3DNotifyStack',
      'Gen3DWebStack',
      'Gen3DApiStack',
      'Gen3DOperationsStack',
    ]);
  });

  it('defines every stack a project’s deploy target deploys, and each stack has a deploy target', () => {
    // Infra owns deployment: one project per stack under apps/infra/deploy (deploy-order.ts); no app names a stack.
    const deployTargetOf = (file: string) =>
      (
        JSON.parse(readFileSync(file, 'utf8')) as {
          targets?: Record<string, { options?: { command?: string } }>;
        }
      ).targets?.['deploy'];
    const stackOf = (file: string) =>
      /deploy\.sh (\w+)/.exec(deployTargetOf(file)?.options?.command ?? '')?.[1] ?? `none in ${file}`;
    const deployDir = join(root, 'apps', 'infra', 'deploy');
    const deployed = readdirSync(deployDir).map((dir) => stackOf(join(deployDir, dir, 'project.json')));
    const ids = (app: Synthesized) => app.stacks.map((s) => s.node.id);
    expect([...deployed].sort()).toEqual([...new Set([...ids(production), ...ids(everyOption)])].sort());
    const appsWithDeploy = readdirSync(join(root, 'apps')).filter((app) => {
      try {
        return deployTargetOf(join(root, 'apps', app, 'project.json')) !== undefined;
      } catch {
        return false;
      }
    });
    expect(appsWithDeploy).toEqual([]);
  });

  it('has the seed’s three roles, each with its one inline policy, and no other policy on them', () => {
    const roles = ofType(production, 'AWS::IAM::Role').filter((r) =>
      String(prop(r, 'RoleName') ?? '').startsWith('Gen3D'),
    );
    const policyNames = Object.fromEntries(
      roles.map((r) => [
        prop(r, 'RoleName'),
        (prop(r, 'Policies') as { PolicyName: string }[]).map((p) => p.PolicyName),
      ]),
    );
    expect(policyNames).toEqual({
      Gen3DSageMakerExecutionRole: ['Gen3DSageMakerPolicy'],
      Gen3DLambdaExtractRole: ['Gen3DLambdaExtractPolicy'],
      Gen3DLambdaNotifyRole: ['Gen3DLambdaNotifyPolicy'],
      Gen3DLambdaApiRole: ['Gen3DLambdaApiPolicy'], // the web API's (issue 11), beside the seed's three
    });
    for (const role of roles) expect(prop(role, 'ManagedPolicyArns')).toBeUndefined();
    const attached = ofType(production, 'AWS::IAM::Policy').flatMap((p) => cfnText(prop(p, 'Roles')));
    expect(attached.join(' ')).not.toMatch(/Extract|Notify|ExecutionRole/);
  });

  it('trusts the right service with each role', () => {
    const trusted = (stack: string) =>
      production.template(stack).findResources('AWS::IAM::Role', {
        Properties: { RoleName: Match.stringLikeRegexp('^Gen3D') },
      });
    const service = (stack: string) =>
      Object.values(trusted(stack)).map((r) =>
        cfnText(r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service),
      );
    expect(service('Gen3DInferenceStack')).toEqual(['sagemaker.amazonaws.com']);
    expect(service('Gen3DExtractStack')).toEqual(['lambda.amazonaws.com']);
    expect(service('Gen3DNotifyStack')).toEqual(['lambda.amazonaws.com']);
  });

  it('has the two buckets, both versioned and SSE-S3; the model bucket keeps 5 versions of each artefact', () => {
    const storage = production.template('Gen3DStorageStack');
    storage.resourceCountIs('AWS::S3::Bucket', 2);
    const sse = {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    };
    storage.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket',
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: sse,
    });
    storage.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-model-bucket',
      // Seed §12 ("latest 5 versions") over §2's "Versioning: Disabled": the current version and 4 noncurrent ones.
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'keep-latest-5-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 4 },
          },
        ],
      },
      BucketEncryption: sse,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('has the model, the async endpoint configuration (variant AllTraffic-g4dn-xlarge) and the endpoint', () => {
    const inference = production.template('Gen3DInferenceStack');
    inference.resourceCountIs('AWS::SageMaker::Model', 1);
    inference.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    inference.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    inference.hasResourceProperties('AWS::SageMaker::Model', {
      ModelName: Match.stringLikeRegexp('^Gen3DSAM3DModel-[0-9a-f]{8}$'),
      PrimaryContainer: {
        Mode: 'SingleModel',
        Image: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/gen3d-sam3d-inference:latest$')])],
        },
        Environment: {
          DATA_BUCKET: 'gen3d-data-bucket',
          GEN3D_BACKENDS: 'inflate',
          MAX_CONCURRENT_INVOCATIONS: '4',
        },
      },
    });
    inference.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      EndpointConfigName: Match.stringLikeRegexp('^Gen3DSAM-AsyncConfig-[0-9a-f]{8}$'),
      ProductionVariants: [
        {
          VariantName: 'AllTraffic-g4dn-xlarge',
          ModelName: Match.stringLikeRegexp('^Gen3DSAM3DModel-'),
          InstanceType: 'ml.g4dn.xlarge',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
      AsyncInferenceConfig: {
        OutputConfig: {
          S3OutputPath: 's3://gen3d-data-bucket/sagemaker-output/',
          S3FailurePath: 's3://gen3d-data-bucket/sagemaker-output/failures/',
        },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
      },
    });
    inference.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: 'Gen3DSAMAsyncEndpoint',
      RetainAllVariantProperties: true,
    });
  });

  it.each([
    [
      'Gen3DExtractStack',
      'Gen3DExtractLambda',
      512,
      30,
      100,
      {
        SAGEMAKER_ENDPOINT_NAME: 'Gen3DSAMAsyncEndpoint',
        DATA_BUCKET: 'gen3d-data-bucket',
        ADMIN_EMAIL: 'info@2112-lab.com',
        INVOCATION_TIMEOUT_SECONDS: '3600',
      },
    ],
    [
      'Gen3DNotifyStack',
      'Gen3DNotifyLambda',
      256,
      15,
      50,
      {
        DATA_BUCKET: 'gen3d-data-bucket',
        ADMIN_EMAIL: 'info@2112-lab.com',
        SOURCE_EMAIL: 'noreply@genesis3d.com',
        LINK_EXPIRY_SECONDS: '3600',
        RETENTION_DAYS: '30',
      },
    ],
  ] as const)(
    '%s: %s with %i MB, %i s, reserved %i and the seed’s environment',
    (stack, name, memory, timeout, reserved, env) => {
      const template = production.template(stack);
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Runtime: 'nodejs24.x',
        Handler: 'lambda_function.lambda_handler',
        MemorySize: memory,
        Timeout: timeout,
        ReservedConcurrentExecutions: reserved,
        Environment: { Variables: env },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/${name}`,
        RetentionInDays: 30,
      });
    },
  );

  it.each([
    ['Gen3DExtractStack', 'extract-lambda'],
    ['Gen3DNotifyStack', 'notify-lambda'],
  ])('%s runs the esbuild bundle dist/apps/%s/lambda_function.js', (stack, project) => {
    const fn = defined(
      ofType(production, 'AWS::Lambda::Function').find((r) => r.stack === stack),
      stack,
    );
    const hash = String((prop(fn, 'Code') as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const staged = readFileSync(
      join(production.assembly.directory, `asset.${hash}`, 'lambda_function.js'),
      'utf8',
    );
    expect(staged).toBe(readFileSync(join(root, 'dist', 'apps', project, 'lambda_function.js'), 'utf8'));
    expect(staged).toContain('lambda_handler');
  });

  it('has the ECR repository: scan on push, keep the last 5 images', () => {
    const storage = production.template('Gen3DStorageStack');
    storage.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'gen3d-sam3d-inference',
      ImageScanningConfiguration: { ScanOnPush: true },
      // Commit tags never move; `latest` alone does.
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [
        {
          ImageTagMutabilityExclusionFilterType: 'WILDCARD',
          ImageTagMutabilityExclusionFilterValue: 'latest',
        },
      ],
      // The last 5 of each profile's images (image-retention.spec.ts), not 5 over the repository (decision 0037).
      LifecyclePolicy: {
        LifecyclePolicyText: Match.stringLikeRegexp(
          '"tagPrefixList":\\["gpu-"\\],"countType":"imageCountMoreThan","countNumber":5',
        ),
      },
    });
  });

  it('has the two SES email identities', () => {
    const identities = ofType(production, 'AWS::SES::EmailIdentity').map((r) => prop(r, 'EmailIdentity'));
    expect(identities.sort()).toEqual(['info@2112-lab.com', 'noreply@genesis3d.com']);
  });

  it('has the three log groups kept 30 days (and the API’s and the endpoint’s; CDK’s helpers’ are unnamed)', () => {
    const groups = ofType(production, 'AWS::Logs::LogGroup')
      .filter((r) => prop(r, 'LogGroupName') !== undefined)
      .map((r) => [prop(r, 'LogGroupName'), prop(r, 'RetentionInDays')]);
    expect(groups.sort()).toEqual([
      ['/aws/lambda/Gen3DApiLambda', 30],
      ['/aws/lambda/Gen3DExtractLambda', 30],
      ['/aws/lambda/Gen3DNotifyLambda', 30],
      ['/aws/sagemaker/Endpoints/Gen3DSAMAsyncEndpoint', 30],
      ['/gen3d/application', 30],
    ]);
  });

  it('has the seed’s two alarms with its metric, threshold and evaluation periods', () => {
    const ops = production.template('Gen3DOperationsStack');
    ops.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Gen3D-ExtractLambda-HighErrors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'Gen3DExtractLambda' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    ops.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Gen3D-SageMaker-ModelLatency',
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'Gen3DSAMAsyncEndpoint' }]),
      // 60000 ms, in the metric's unit (microseconds)
      Threshold: 60_000_000,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('has the dashboard Gen3D-Operations with the seed’s widgets', () => {
    const [dashboard] = ofType(production, 'AWS::CloudWatch::Dashboard');
    expect(prop(defined(dashboard, 'dashboard'), 'DashboardName')).toBe('Gen3D-Operations');
    const body = cfnText(prop(defined(dashboard, 'dashboard'), 'DashboardBody'));
    for (const title of ['Lambda invocations', 'SageMaker latency', 'Errors']) expect(body).toContain(title);
    expect(body).toContain('"Invocations"');
    expect(body).toContain('"ModelLatency"');
    expect(body).not.toContain('S3 requests'); // only with gen3d:s3RequestMetrics
    const withMetrics = cfnText(
      prop(defined(ofType(everyOption, 'AWS::CloudWatch::Dashboard')[0], 'dashboard'), 'DashboardBody'),
    );
    expect(withMetrics).toContain('S3 requests');
  });

  it('puts the seed’s tags on every taggable resource of every stack', () => {
    for (const app of [production, everyOption]) {
      const untagged: string[] = [];
      for (const stack of app.stacks) {
        const template = app.assembly.getStackArtifact(stack.artifactId).template as {
          Resources: Record<string, Resource>;
        };
        for (const construct of stack.node.findAll()) {
          if (!CfnResource.isCfnResource(construct) || !TagManager.isTaggable(construct)) continue;
          const logicalId = stack.getLogicalId(construct as never);
          const tags = template.Resources[logicalId]?.Properties?.['Tags'];
          const keys = Array.isArray(tags)
            ? (tags as { Key: string }[]).map((t) => t.Key)
            : Object.keys((tags as Record<string, string> | undefined) ?? {});
          if (!Object.keys(SEED.tags).every((key) => keys.includes(key)))
            untagged.push(`${stack.node.id}/${logicalId}`);
        }
      }
      expect(untagged).toEqual([]);
    }
    production.template('Gen3DStorageStack').hasResourceProperties('AWS::S3::Bucket', {
      Tags: Match.arrayWith([
        { Key: 'Environment', Value: 'Production' },
        { Key: 'ManagedBy', Value: 'AWS-CDK' },
        { Key: 'Owner', Value: 'info@2112-lab.com' },
      ]),
    });
  });
});

describe('S3 event notifications', () => {
  const dataBucket = () => dataBucketOf(production);

  it('are the rules of libs/s3-keys, prefix and suffix, to the function named for each target', () => {
    const configs = (
      prop(dataBucket(), 'NotificationConfiguration') as {
        LambdaConfigurations: { Event: string; Function: unknown; Filter: { S3Key: { Rules: unknown[] } } }[];
      }
    ).LambdaConfigurations;
    expect(
      configs.map((c) => ({
        event: c.Event,
        fn: cfnText(c.Function).split(':').slice(-2).join(':'),
        rules: c.Filter.S3Key.Rules,
      })),
    ).toEqual(
      NOTIFICATION_RULES.map((rule) => ({
        event: 's3:ObjectCreated:*',
        fn: rule.target === 'extract' ? 'Gen3DExtractLambda:live' : 'Gen3DNotifyLambda:live',
        rules: [
          { Name: 'prefix', Value: rule.prefix },
          { Name: 'suffix', Value: rule.suffix },
        ],
      })),
    );
    expect(configs.map((c) => c.Filter.S3Key.Rules)).toContainEqual([
      { Name: 'prefix', Value: 'sagemaker-output/failures/' },
      { Name: 'suffix', Value: '-error.out' },
    ]);
  });

  it('survive deploying any one stack alone: one owner, names instead of references, no exports', () => {
    const all = resourcesOf(production);
    // 1. Only the storage stack writes the bucket's notification configuration (no CDK notification custom resource).
    expect(all.filter((r) => r.Type === 'Custom::S3BucketNotifications')).toEqual([]);
    expect(all.filter((r) => prop(r, 'NotificationConfiguration')).map((r) => r.stack)).toEqual([
      'Gen3DStorageStack',
    ]);
    // 2. It names the functions by ARN built from their fixed names, which the function stacks define...
    const named = new Set(ofType(production, 'AWS::Lambda::Function').map((r) => prop(r, 'FunctionName')));
    const configs = (
      prop(dataBucket(), 'NotificationConfiguration') as { LambdaConfigurations: { Function: unknown }[] }
    ).LambdaConfigurations;
    for (const config of configs) {
      const arn = cfnText(config.Function);
      expect(arn).toMatch(
        /^arn:\$\{AWS::Partition\}:lambda:us-east-1:\$\{AWS::AccountId\}:function:Gen3D\w+Lambda:live$/,
      );
      expect(named.has(arn.split(':').at(-2))).toBe(true);
    }
    // 3. ...each of which lets the bucket (by name) invoke it, from its own stack.
    for (const stack of ['Gen3DExtractStack', 'Gen3DNotifyStack']) {
      production.template(stack).hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::gen3d-data-bucket']] },
        SourceAccount: { Ref: 'AWS::AccountId' },
      });
    }
    // 4. No stack exports or imports anything: each deploys, updates and rolls back on its own.
    for (const t of [...production.templates, ...everyOption.templates]) {
      expect(JSON.stringify(t.template)).not.toContain('Fn::ImportValue');
      expect(JSON.stringify(t.template.Resources)).not.toMatch(/"Export"/);
      const outputs = (t.template as { Outputs?: Record<string, { Export?: unknown }> }).Outputs ?? {};
      expect(Object.values(outputs).filter((o) => o.Export)).toEqual([]);
    }
  });

  it('orders a first `cdk deploy --all`: the functions before the bucket that names them', () => {
    const storage = defined(
      production.stacks.find((s) => s.node.id === 'Gen3DStorageStack'),
      'storage stack',
    );
    expect(storage.dependencies.map((s) => s.node.id).sort()).toEqual([
      'Gen3DExtractStack',
      'Gen3DNotifyStack',
    ]);
  });
});

describe('security beyond the seed', () => {
  const policyOf = (app: Synthesized, bucketRef: RegExp) =>
    ofType(app, 'AWS::S3::BucketPolicy')
      .filter((p) => bucketRef.test(JSON.stringify(prop(p, 'Bucket'))))
      .flatMap((p) => (prop(p, 'PolicyDocument') as { Statement: Record<string, unknown>[] }).Statement);

  it('denies every request without TLS on every bucket', () => {
    for (const app of [production, everyOption]) {
      const buckets = ofType(app, 'AWS::S3::Bucket');
      const policies = ofType(app, 'AWS::S3::BucketPolicy');
      expect(policies).toHaveLength(buckets.length);
      for (const policy of policies) {
        expect((prop(policy, 'PolicyDocument') as { Statement: unknown[] }).Statement).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        );
      }
    }
  });

  it('lets the public read public/* only, and write nothing anywhere', () => {
    const statements = policyOf(production, /DataBucket/);
    const publicAllows = statements.filter(
      (s) => s['Effect'] === 'Allow' && JSON.stringify(s['Principal']).includes('*'),
    );
    expect(publicAllows).toHaveLength(1);
    expect(publicAllows[0]).toMatchObject({ Sid: 'PublicReadGetObject', Action: 's3:GetObject' });
    expect(cfnText(defined(publicAllows[0], 'public statement')['Resource'])).toBe(
      '${DataBucketE3889A50.Arn}/public/*',
    );
    expect(statements.find((s) => s['Sid'] === 'CloudFrontReadPublic')).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
    });
    production.template('Gen3DStorageStack').hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
      WebsiteConfiguration: Match.absent(),
    });
  });

  it('keeps the seed’s CORS rule, narrowed to the web origin when one is given', () => {
    const cors = (app: Synthesized) =>
      (
        prop(dataBucketOf(app), 'CorsConfiguration') as {
          CorsRules: unknown[];
        }
      ).CorsRules;
    const seedRule = {
      AllowedMethods: ['GET', 'PUT', 'POST'],
      AllowedHeaders: ['*'],
      ExposedHeaders: ['ETag'],
      MaxAge: 3000,
    };
    expect(cors(production)).toEqual([{ ...seedRule, AllowedOrigins: ['*'] }]);
    expect(cors(everyOption)).toEqual([
      { ...seedRule, AllowedOrigins: ['https://d111111abcdef8.cloudfront.net'] },
    ]);
  });

  const statementsOf = (stack: string) => {
    const role = defined(
      ofType(production, 'AWS::IAM::Role').find(
        (r) => r.stack === stack && String(prop(r, 'RoleName')).startsWith('Gen3D'),
      ),
      `${stack} role`,
    );
    const [policy] = prop(role, 'Policies') as {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
    }[];
    return defined(policy, `${stack} policy`).PolicyDocument.Statement.map((s) => ({
      actions: ([] as string[]).concat(s.Action),
      resources: ([] as unknown[]).concat(s.Resource).map(cfnText),
    }));
  };
  const grants = (stack: string, action: string) =>
    statementsOf(stack)
      .filter((s) => s.actions.includes(action))
      .flatMap((s) => s.resources.map((r) => r.replace('arn:${AWS::Partition}:s3:::gen3d-data-bucket/', '')));

  it('scopes the extract role to the prefixes it uses (web uploads: the claim, the cap, the jobs in progress)', () => {
    expect(grants('Gen3DExtractStack', 's3:GetObjectVersion')).toEqual(['users/*/input/*']);
    expect(grants('Gen3DExtractStack', 's3:PutObject').sort()).toEqual([
      'api/addresses/*',
      'api/claims/*',
      'jobs/*.json',
      'rejected/*.failure.json',
      'users/*/jobs/*/extract.lock',
      'users/*/jobs/*/request.json',
      'users/*/jobs/*/status.json',
      'users/*/output/*.failure.json',
    ]);
    expect(grants('Gen3DExtractStack', 's3:DeleteObject')).toEqual(['users/*/jobs/*/extract.lock']);
    expect(grants('Gen3DExtractStack', 'sagemaker:InvokeEndpointAsync')).toEqual([
      'arn:${AWS::Partition}:sagemaker:us-east-1:${AWS::AccountId}:endpoint/gen3dsamasyncendpoint',
    ]);
  });

  it('scopes the notify role: reads outputs, failures, the job request and the upload’s metadata (by version), writes only its locks, the status and the results it holds in address records', () => {
    expect(grants('Gen3DNotifyStack', 's3:GetObjectVersion').sort()).toEqual([
      'jobs/*.json',
      'rejected/*.failure.json',
      'sagemaker-output/failures/*',
      'users/*/input/*',
      'users/*/jobs/*/request.json',
      'users/*/output/*',
    ]);
    expect(grants('Gen3DNotifyStack', 's3:PutObject').sort()).toEqual([
      'api/addresses/*',
      'rejected/*.notify.lock',
      'users/*/jobs/*/notify.lock',
      'users/*/jobs/*/status.json',
    ]);
    const ses = statementsOf('Gen3DNotifyStack').find((s) => s.actions.includes('ses:SendEmail'));
    expect(ses?.resources).toEqual([
      'arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:identity/*',
      'arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:configuration-set/gen3d-mail',
    ]);
    production.template('Gen3DNotifyStack').hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Condition: { StringEquals: { 'ses:FromAddress': 'noreply@genesis3d.com' } },
              }),
            ]),
          },
        },
      ],
    });
  });

  it('scopes the SageMaker role: reads inputs and the model bucket, writes outputs, pulls one repository', () => {
    expect(grants('Gen3DInferenceStack', 's3:GetObjectVersion').sort()).toEqual([
      'users/*/input/*',
      'users/*/jobs/*/request.json',
      'users/*/masks/*',
    ]);
    expect(grants('Gen3DInferenceStack', 's3:PutObject').sort()).toEqual([
      'sagemaker-output/*',
      'users/*/jobs/*/status.json',
      'users/*/output/*',
    ]);
    expect(grants('Gen3DInferenceStack', 's3:GetObject')).toContain(
      'arn:${AWS::Partition}:s3:::gen3d-model-bucket/sam3d-model/*',
    );
    // The learned segmenter, fetched and verified at the container's start (decision 0026).
    expect(grants('Gen3DInferenceStack', 's3:GetObject')).toContain(
      'arn:${AWS::Partition}:s3:::gen3d-model-bucket/segmentation/*',
    );
    production.template('Gen3DInferenceStack').hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        Environment: Match.objectLike({
          SEGMENTATION_MODEL_URI: 's3://gen3d-model-bucket/segmentation/isnet-medium/',
        }),
      }),
    });
    const pull = statementsOf('Gen3DInferenceStack').find((s) => s.actions.includes('ecr:BatchGetImage'));
    expect(pull?.resources).toEqual([
      'arn:${AWS::Partition}:ecr:us-east-1:${AWS::AccountId}:repository/gen3d-sam3d-inference',
    ]);
  });

  it('lets the API delete every version of a job’s files (users/, the job index) and list versions only there', () => {
    expect(grants('Gen3DApiStack', 's3:DeleteObject').sort()).toEqual(['jobs/*.json', 'users/*']);
    expect(grants('Gen3DApiStack', 's3:DeleteObjectVersion').sort()).toEqual(['jobs/*.json', 'users/*']);
    for (const stack of ['Gen3DExtractStack', 'Gen3DNotifyStack', 'Gen3DInferenceStack']) {
      expect(grants(stack, 's3:DeleteObjectVersion')).toEqual([]);
      expect(grants(stack, 's3:ListBucketVersions')).toEqual([]);
    }
    const listing = statementsOf('Gen3DApiStack').filter((s) => s.actions.includes('s3:ListBucketVersions'));
    expect(listing).toEqual([
      { actions: ['s3:ListBucketVersions'], resources: ['arn:${AWS::Partition}:s3:::gen3d-data-bucket'] },
    ]);
    production.template('Gen3DApiStack').hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Action: 's3:ListBucketVersions',
                Condition: { StringLike: { 's3:prefix': ['users/*', 'jobs/*'] } },
              }),
            ]),
          },
        },
      ],
    });
  });

  it('grants no role a write to public/ or an s3:* action', () => {
    for (const stack of ['Gen3DExtractStack', 'Gen3DNotifyStack', 'Gen3DInferenceStack']) {
      for (const s of statementsOf(stack)) {
        expect(s.actions.filter((a) => a.endsWith('*'))).toEqual([]);
        if (s.actions.some((a) => a.startsWith('s3:Put')))
          expect(s.resources.join()).not.toContain('/public/');
      }
    }
  });
});

describe('nothing dropped silently', () => {
  it.each([
    ['Gen3DExtractStack', 'Gen3DExtractLambda-Failures'],
    ['Gen3DNotifyStack', 'Gen3DNotifyLambda-Failures'],
  ])('%s sends events that failed twice to %s, kept 14 days, TLS only', (stack, queue) => {
    const template = production.template(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: queue,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      // CDK derives the qualifier from the alias's ARN (Fn::Select over its ARN): the alias, not $LATEST.
      Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: Match.stringLikeRegexp('LiveAlias') }] }] },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } },
      },
    });
    // Seed §12: a version per deployment, kept; the alias S3 invokes points at it and is what S3 may invoke.
    const resources = production.json(stack).Resources;
    const version = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Version');
    expect(version?.[1]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate' });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [version?.[0], 'Version'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 's3.amazonaws.com',
      FunctionName: { Ref: Match.stringLikeRegexp('LiveAlias') },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('alarms on the depth of both queues', () => {
    const ops = production.template('Gen3DOperationsStack');
    for (const queue of ['Gen3DExtractLambda-Failures', 'Gen3DNotifyLambda-Failures']) {
      ops.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: queue }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('sends alarms to an SNS topic only when an alarm email is given', () => {
    expect(ofType(production, 'AWS::SNS::Topic')).toEqual([]);
    for (const alarm of ofType(production, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.stack === 'Gen3DOperationsStack',
    )) {
      expect(prop(alarm, 'AlarmActions')).toBeUndefined();
    }
    const ops = everyOption.template('Gen3DOperationsStack');
    ops.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'Gen3D-Alarms' });
    ops.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'alarms@example.com',
    });
    const alarms = ofType(everyOption, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.stack === 'Gen3DOperationsStack',
    );
    expect(alarms).toHaveLength(6); // the seed's two, the two failure queues, SES bounces and complaints
    for (const alarm of alarms)
      expect(prop(alarm, 'AlarmActions')).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
  });
});

describe('scale to zero', () => {
  const inference = () => production.template('Gen3DInferenceStack');

  it('registers the variant with Application Auto Scaling from 0 to the maximum', () => {
    inference().hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/Gen3DSAMAsyncEndpoint/variant/AllTraffic-g4dn-xlarge',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 0,
      MaxCapacity: 3,
      RoleARN: Match.absent(),
    });
  });

  it('tracks ApproximateBacklogSizePerInstance', () => {
    inference().hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 4,
        CustomizedMetricSpecification: {
          Namespace: 'AWS/SageMaker',
          MetricName: 'ApproximateBacklogSizePerInstance',
          Dimensions: [{ Name: 'EndpointName', Value: 'Gen3DSAMAsyncEndpoint' }],
          Statistic: 'Average',
        },
      },
    });
  });

  it('starts the first instance with a step policy on a HasBacklogWithoutCapacity alarm', () => {
    const template = inference();
    const steps = template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', {
      Properties: { PolicyType: 'StepScaling' },
    });
    const [stepId] = Object.keys(steps);
    expect(
      defined(steps[defined(stepId, 'step policy')], 'step policy').Properties.StepScalingPolicyConfiguration,
    ).toMatchObject({
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Gen3D-SageMaker-HasBacklogWithoutCapacity',
      Namespace: 'AWS/SageMaker',
      MetricName: 'HasBacklogWithoutCapacity',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: stepId }],
    });
  });
});

describe('lifecycle', () => {
  const rules = (app: Synthesized) =>
    (
      prop(dataBucketOf(app), 'LifecycleConfiguration') as {
        Rules: Record<string, unknown>[];
      }
    ).Rules;

  it('expires noncurrent versions after 90 days and archives nothing by default', () => {
    expect(rules(production)).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
    );
    expect(JSON.stringify(rules(production))).not.toContain('GLACIER');
  });

  it('keeps users’ files and the job index 30 days and a day: current versions expire, noncurrent ones 31 days after they were replaced, bare delete markers go', () => {
    expect(rules(production)).toEqual(
      expect.arrayContaining([
        {
          Id: 'ExpireUserFilesAfterRetentionDays',
          Prefix: 'users/',
          ExpirationInDays: 31,
          NoncurrentVersionExpiration: { NoncurrentDays: 31 },
          Status: 'Enabled',
        },
        {
          Id: 'ExpireJobIndexAfterRetentionDays',
          Prefix: 'jobs/',
          ExpirationInDays: 31,
          NoncurrentVersionExpiration: { NoncurrentDays: 31 },
          Status: 'Enabled',
        },
        { Id: 'RemoveExpiredDeleteMarkers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
      ]),
    );
    // Nothing else expires a current version: public/, api/, rejected/ and sagemaker-output/ keep theirs.
    const expiring = rules(production).filter((rule) => 'ExpirationInDays' in rule);
    expect(expiring.map((rule) => rule['Prefix']).sort()).toEqual(['jobs/', 'users/']);
  });

  it('expires the replica’s copies by the same rules (S3 replicates neither expiries nor deleted versions)', () => {
    const replica = defined(
      ofType(everyOption, 'AWS::S3::Bucket').find(
        (r) => prop(r, 'BucketName') === 'gen3d-data-bucket-replica-us-west-2',
      ),
      'replica bucket',
    );
    const replicaRules = (prop(replica, 'LifecycleConfiguration') as { Rules: unknown[] }).Rules;
    const retention = rules(everyOption).filter((rule) =>
      /RetentionDays|ExpiredDeleteMarkers/.test(String(rule['Id'])),
    );
    expect(retention).toHaveLength(3);
    expect(replicaRules).toEqual(retention);
  });

  it('archives uploads only (users/ and the input tag), never public/, when gen3d:glacierArchive is on', () => {
    const glacier = rules(everyOption).filter((r) => JSON.stringify(r).includes('GLACIER'));
    expect(glacier).toEqual([
      expect.objectContaining({
        Prefix: 'users/',
        TagFilters: [{ Key: 'gen3d-area', Value: 'input' }],
        Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
      }),
    ]);
  });
});

describe('the web site over HTTPS', () => {
  it('serves public/ through CloudFront with origin access control, redirecting HTTP to HTTPS', () => {
    const web = production.template('Gen3DWebStack');
    web.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    web.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [
          Match.objectLike({
            OriginPath: '/public',
            OriginAccessControlId: Match.anyValue(),
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
      }),
    });
    web.hasResourceProperties('Custom::CDKBucketDeployment', { DestinationBucketKeyPrefix: 'public/' });
  });
});

describe('the web API (apps/api-lambda)', () => {
  const api = () => production.template('Gen3DApiStack');

  it('runs the api bundle behind a public function URL whose CORS admits the web origin only', () => {
    api().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Gen3DApiLambda',
      Runtime: 'nodejs24.x',
      Handler: 'lambda_function.lambda_handler',
      Environment: {
        Variables: {
          DATA_BUCKET: 'gen3d-data-bucket',
          SOURCE_EMAIL: 'noreply@genesis3d.com',
          WEB_URL: {
            'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('SsmParameterValuegen3dweborigin') }, '/']],
          },
          TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('^TokenKey') },
          REQUEST_TIMEOUT_SECONDS: '10',
          RETENTION_DAYS: '30',
        },
      },
    });
    api().hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Cors: {
        AllowOrigins: [{ Ref: Match.stringLikeRegexp('SsmParameterValuegen3dweborigin') }],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: ['content-type', 'authorization', 'x-gen3d-access'],
      },
    });
    everyOption.template('Gen3DApiStack').hasResourceProperties('AWS::Lambda::Url', {
      Cors: Match.objectLike({ AllowOrigins: ['https://d111111abcdef8.cloudfront.net'] }),
    });
  });

  it('keeps its token key in Secrets Manager and may read only that secret', () => {
    api().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'gen3d/api/token-key',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    api().hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'Gen3DLambdaApiRole',
      Policies: [
        {
          PolicyName: 'Gen3DLambdaApiPolicy',
          PolicyDocument: {
            Statement: Match.arrayWith([
              {
                Action: 'secretsmanager:GetSecretValue',
                Effect: 'Allow',
                Resource: { Ref: Match.stringLikeRegexp('^TokenKey') },
              },
            ]),
          },
        },
      ],
    });
  });

  it('finds the web app through the web stack’s SSM parameters, and writes public/config.json', () => {
    production
      .template('Gen3DWebStack')
      .hasResourceProperties('AWS::SSM::Parameter', { Name: '/gen3d/web/origin' });
    production.template('Gen3DWebStack').hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'public/',
      Exclude: ['config.json'],
    });
    api().hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'public/',
      Prune: false,
      DistributionPaths: ['/config.json'],
    });
    const api_ = defined(
      production.stacks.find((s) => s.node.id === 'Gen3DApiStack'),
      'api stack',
    );
    expect(api_.dependencies.map((s) => s.node.id)).toEqual(['Gen3DWebStack']);
  });
});

describe('governance (off by default)', () => {
  it('adds nothing by default', () => {
    for (const type of ['AWS::CloudTrail::Trail', 'AWS::Config::ConfigRule'])
      expect(ofType(production, type)).toEqual([]);
    expect(production.stacks.map((s) => s.node.id)).not.toContain('Gen3DReplicaStack');
    expect(ofType(production, 'AWS::S3::Bucket').filter((b) => prop(b, 'LoggingConfiguration'))).toEqual([]);
  });

  it('logs every request to the data and model buckets to the access log bucket with gen3d:s3AccessLogs', () => {
    const storage = everyOption.template('Gen3DStorageStack');
    storage.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket-access-logs',
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      }),
    });
    for (const [bucket, prefix] of [
      ['gen3d-data-bucket', 'data/'],
      ['gen3d-model-bucket', 'model/'],
    ]) {
      storage.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: bucket,
        LoggingConfiguration: {
          DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogBucket') },
          LogFilePrefix: prefix,
        },
      });
    }
    // S3's log delivery may write there, and only there.
    storage.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('AccessLogBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  it('adds a validated CloudTrail trail to an audit bucket, the five Config rules (the Lambda one per function) and the us-west-2 replica', () => {
    const ops = everyOption.template('Gen3DOperationsStack');
    ops.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: 'Gen3D-Trail',
      EnableLogFileValidation: true,
      IsMultiRegionTrail: true,
      CloudWatchLogsLogGroupArn: Match.anyValue(),
    });
    ops.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'gen3d-audit-bucket' });
    const rules = ofType(everyOption, 'AWS::Config::ConfigRule').map((r) =>
      cfnText((prop(r, 'Source') as Record<string, unknown>)['SourceIdentifier']),
    );
    expect(rules.sort()).toEqual([
      'CW_LOGGROUP_RETENTION_PERIOD_CHECK',
      'IAM_USER_NO_POLICIES_CHECK',
      'LAMBDA_FUNCTION_SETTINGS_CHECK',
      'LAMBDA_FUNCTION_SETTINGS_CHECK',
      'LAMBDA_FUNCTION_SETTINGS_CHECK',
      'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED',
      'S3_BUCKET_VERSIONING_ENABLED',
    ]);
    // One Lambda settings rule per function, scoped to it, expecting what the function really has.
    const functions = ofType(everyOption, 'AWS::Lambda::Function').filter((f) => prop(f, 'FunctionName'));
    const settingsRules = ofType(everyOption, 'AWS::Config::ConfigRule').filter(
      (r) =>
        cfnText((prop(r, 'Source') as Record<string, unknown>)['SourceIdentifier']) ===
        'LAMBDA_FUNCTION_SETTINGS_CHECK',
    );
    expect(settingsRules).toHaveLength(functions.length);
    for (const fn of functions) {
      const rule = defined(
        settingsRules.find(
          (r) =>
            (prop(r, 'Scope') as Record<string, unknown>)['ComplianceResourceId'] ===
            prop(fn, 'FunctionName'),
        ),
        `settings rule for ${String(prop(fn, 'FunctionName'))}`,
      );
      expect(prop(rule, 'InputParameters')).toEqual({
        runtime: prop(fn, 'Runtime'),
        memorySize: String(prop(fn, 'MemorySize')),
        timeout: String(prop(fn, 'Timeout')),
      });
    }
    const replica = defined(
      everyOption.stacks.find((s) => s.node.id === 'Gen3DReplicaStack'),
      'replica stack',
    );
    expect(replica.region).toBe('us-west-2');
    everyOption.template('Gen3DReplicaStack').hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket-replica-us-west-2',
      VersioningConfiguration: { Status: 'Enabled' },
    });
    everyOption.template('Gen3DStorageStack').hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gen3d-data-bucket',
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [Match.objectLike({ Priority: 1, DeleteMarkerReplication: { Status: 'Enabled' } })],
      },
    });
    const replication = prop(
      defined(everyOption.json('Gen3DStorageStack').Resources['DataBucketE3889A50'], 'data bucket'),
      'ReplicationConfiguration',
    ) as { Rules: { Destination: { Bucket: unknown } }[] };
    expect(cfnText(defined(replication.Rules[0], 'replication rule').Destination.Bucket)).toBe(
      'arn:${AWS::Partition}:s3:::gen3d-data-bucket-replica-us-west-2',
    );
  });
});

describe('checks on the synthesized templates', () => {
  it('passes cfn-lint with no errors on every template (default and every option)', () => {
    const files = [production, everyOption].flatMap((app) =>
      app.stacks.map((s) => join(app.assembly.directory, s.templateFile)),
    );
    const lint = spawnSync(join(root, '.venv', 'bin', 'cfn-lint'), ['--format', 'parseable', ...files], {
      encoding: 'utf8',
    });
    if (lint.error) throw lint.error;
    const errors = lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
    expect([0, 4, 8, 12]).toContain(lint.status); // warnings (4) and informational (8) findings are allowed
  }, 180_000);

  it('docs/resources.md is the inventory of these templates (npm run inventory rewrites it)', () => {
    const expected = prettierFormat(resourcesDoc(production.templates, everyOption.templates), RESOURCES_DOC);
    expect(readDoc(root, RESOURCES_DOC)).toBe(expected);
  });

  it('docs/cost.md’s generated section matches these templates (npm run cost rewrites it)', () => {
    const current = readDoc(root, COST_DOC);
    expect(current).toBe(prettierFormat(costDoc(current, production.templates), COST_DOC));
  });
});

/** Formats markdown as `prettier --write` does here (a child process: prettier loads its plugins with import()). */
function prettierFormat(text: string, path: string): string {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--stdin-filepath', join(root, path)],
    { input: text, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe('who can make Gen3D send mail (decision 0025)', () => {
  it('sends every email through a configuration set that suppresses bounces and complaints', () => {
    production.template('Gen3DNotifyStack').hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'gen3d-mail',
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
    for (const [stack, type] of [
      ['Gen3DNotifyStack', 'AWS::Lambda::Function'],
      ['Gen3DApiStack', 'AWS::Lambda::Function'],
    ] as const) {
      production.template(stack).hasResourceProperties(type, {
        Environment: { Variables: Match.objectLike({ SES_CONFIGURATION_SET: 'gen3d-mail' }) },
      });
    }
  });

  it('alarms on the SES bounce and complaint rates before SES reviews the account', () => {
    const alarms = ofType(production, 'AWS::CloudWatch::Alarm').filter(
      (a) => prop(a, 'Namespace') === 'AWS/SES',
    );
    expect(alarms.map((a) => [prop(a, 'MetricName'), prop(a, 'Threshold')])).toEqual([
      ['Reputation.BounceRate', 0.02],
      ['Reputation.ComplaintRate', 0.0005],
    ]);
  });

  it('puts a WAF rate-based rule in front of the API only with apiFirewall, and then requires CloudFront', () => {
    expect(ofType(production, 'AWS::WAFv2::WebACL')).toEqual([]);
    const [acl] = ofType(everyOption, 'AWS::WAFv2::WebACL');
    expect(prop(defined(acl, 'the web ACL'), 'Scope')).toBe('CLOUDFRONT');
    expect(JSON.stringify(prop(acl!, 'Rules'))).toContain(
      '"RateBasedStatement":{"AggregateKeyType":"IP","Limit":300}',
    );
    const api = everyOption.template('Gen3DApiStack');
    api.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: Match.anyValue() }),
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ORIGIN_VERIFY_SECRET_ARN: Match.anyValue() }) },
    });
  });

  it('serves the site with a Content-Security-Policy, nosniff, no referrer and no framing', () => {
    const [policy] = ofType(production, 'AWS::CloudFront::ResponseHeadersPolicy');
    const headers = JSON.stringify(prop(defined(policy, 'the site headers'), 'ResponseHeadersPolicyConfig'));
    expect(headers).toContain("frame-ancestors 'none'");
    expect(headers).toContain('"ReferrerPolicy":"no-referrer"');
    expect(headers).toContain('"FrameOption":"DENY"');
  });
});

describe('a failed first create can be retried', () => {
  it('retains buckets, log groups, the image repository and the secret on update or delete, never after a failed create', () => {
    const policy = (r: object) => (r as { DeletionPolicy?: string }).DeletionPolicy;
    // Nothing is plain Retain any more: a failed first create would leave it behind, and the retry fail.
    expect(
      resourcesOf(everyOption)
        .filter((r) => policy(r) === 'Retain')
        .map((r) => r.logicalId),
    ).toEqual([]);
    const retained = resourcesOf(everyOption).filter((r) => policy(r) === 'RetainExceptOnCreate');
    expect(retained.length).toBeGreaterThan(0);
    const types = new Set(retained.map((r) => r.Type));
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::Logs::LogGroup',
      'AWS::ECR::Repository',
      'AWS::SecretsManager::Secret',
    ]) {
      expect(types.has(type)).toBe(true);
    }
    for (const resource of retained) {
      // CloudFormation's RetainExceptOnCreate: a stack whose first create fails deletes what it made, so the retry
      // finds no bucket or log group "already exists".
      expect([
        resource.stack,
        resource.logicalId,
        (resource as { UpdateReplacePolicy?: string }).UpdateReplacePolicy,
      ]).toEqual([resource.stack, resource.logicalId, 'Retain']);
    }
  });

  it('keeps every log group 30 days (seed §15), the endpoint’s and CDK’s helper functions’ included', () => {
    const logGroups = resourcesOf(everyOption).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.filter((g) => prop(g, 'RetentionInDays') !== 30).map((g) => g.logicalId)).toEqual([]);
    expect(logGroups.map((g) => prop(g, 'LogGroupName'))).toContain(
      '/aws/sagemaker/Endpoints/Gen3DSAMAsyncEndpoint',
    );
    const endpoint = defined(
      resourcesOf(everyOption).find((r) => r.Type === 'AWS::SageMaker::Endpoint'),
      'endpoint',
    ) as { DependsOn?: string[] };
    expect(endpoint.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EndpointLogGroup/)]));
    // A function writes to /aws/lambda/<its name> unless its logging config names a group: every one has a group.
    const functions = resourcesOf(everyOption).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of functions) {
      const configured = (prop(fn, 'LoggingConfig') as { LogGroup?: unknown } | undefined)?.LogGroup;
      const named = logGroups.some(
        (g) => prop(g, 'LogGroupName') === `/aws/lambda/${String(prop(fn, 'FunctionName'))}`,
      );
      expect([fn.logicalId, configured !== undefined || named]).toEqual([fn.logicalId, true]);
    }
  });
});
