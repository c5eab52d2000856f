import { cfnText } from './cfn-text';
import { SEED } from './seed';

/** One synthesized stack: its id (the deploy target's name), CloudFormation name and template. */
export interface StackTemplate {
  readonly id: string;
  readonly stackName: string;
  readonly template: {
    readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
}

export interface InventoryRow {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly settings: string;
  readonly tags: 'seed tags' | 'not taggable' | 'missing';
}

const NAME_PROPERTIES = [
  'BucketName',
  'RoleName',
  'FunctionName',
  'QueueName',
  'LogGroupName',
  'RepositoryName',
  'EndpointName',
  'ModelName',
  'EndpointConfigName',
  'AlarmName',
  'DashboardName',
  'TopicName',
  'TrailName',
  'EmailIdentity',
  'ConfigRuleName',
  'PolicyName',
  'Name',
] as const;

type Props = Record<string, unknown>;
const get = (props: Props, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Props)[k] : undefined), props);
const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** Versioning, encryption, public access, CORS, lifecycle rules, notifications, replication. */
function describeBucket(p: Props): string {
  const parts = [
    `versioning ${get(p, 'VersioningConfiguration.Status') === 'Enabled' ? 'on' : 'off'}`,
    `SSE ${cfnText(get(p, 'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm'))}`,
    get(p, 'PublicAccessBlockConfiguration.BlockPublicPolicy') === false
      ? 'public policy allowed (public/* read), ACLs blocked'
      : 'all public access blocked',
  ];
  const cors = list(get(p, 'CorsConfiguration.CorsRules'));
  if (cors.length) parts.push(`CORS ${cfnText(get(p, 'CorsConfiguration.CorsRules.0.AllowedOrigins'))}`);
  const rules = list(get(p, 'LifecycleConfiguration.Rules')).map((r) => cfnText((r as Props)['Id']));
  if (rules.length) parts.push(`lifecycle ${rules.join(', ')}`);
  const notifications = list(get(p, 'NotificationConfiguration.LambdaConfigurations')).length;
  if (notifications) parts.push(`${notifications} event notifications`);
  if (get(p, 'ReplicationConfiguration')) parts.push('replicated');
  return parts.join('; ');
}

/** Who may assume the role and its policies. */
function describeRole(p: Props): string {
  const service = cfnText(get(p, 'AssumeRolePolicyDocument.Statement.0.Principal.Service'));
  const policies = list(p['Policies']).map((x) => cfnText((x as Props)['PolicyName']));
  const managed = list(p['ManagedPolicyArns']).map((x) => cfnText(x).split('/').pop());
  return [
    `trusts ${service}`,
    ...policies.map((n) => `inline ${n}`),
    ...managed.map((n) => `managed ${n}`),
  ].join('; ');
}

/** Runtime, handler, size, reserved concurrency and the environment's names. */
function describeFunction(p: Props): string {
  const env = Object.keys((get(p, 'Environment.Variables') as Props | undefined) ?? {});
  return [
    `${cfnText(p['Runtime'])}`,
    `handler ${cfnText(p['Handler'])}`,
    `${cfnText(p['MemorySize'] ?? 128)} MB`,
    `${cfnText(p['Timeout'] ?? 3)} s`,
    p['ReservedConcurrentExecutions'] !== undefined
      ? `reserved ${cfnText(p['ReservedConcurrentExecutions'])}`
      : '',
    env.length ? `env ${env.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The variant, its instance type, where results and failures go, the concurrency per instance. */
function describeEndpointConfig(p: Props): string {
  return [
    `variant ${cfnText(get(p, 'ProductionVariants.0.VariantName'))}`,
    cfnText(get(p, 'ProductionVariants.0.InstanceType')),
    `async output ${cfnText(get(p, 'AsyncInferenceConfig.OutputConfig.S3OutputPath'))}`,
    `failures ${cfnText(get(p, 'AsyncInferenceConfig.OutputConfig.S3FailurePath'))}`,
    `${cfnText(get(p, 'AsyncInferenceConfig.ClientConfig.MaxConcurrentInvocationsPerInstance'))} concurrent per instance`,
  ].join('; ');
}

interface LifecycleRuleText {
  readonly selection: {
    readonly tagStatus: string;
    readonly tagPrefixList?: string[];
    readonly countNumber: number;
  };
}

/** The repository's lifecycle policy, read from its text: what each rule keeps. */
function describeImageLifecycle(p: Props): string {
  const text = get(p, 'LifecyclePolicy.LifecyclePolicyText');
  if (typeof text !== 'string') return 'no lifecycle policy';
  const { rules } = JSON.parse(text) as { rules: LifecycleRuleText[] };
  const kept = rules.map(({ selection: { tagStatus, tagPrefixList, countNumber } }) =>
    tagPrefixList === undefined
      ? `${countNumber} ${tagStatus === 'any' ? 'in all (it expires only images no rule above keeps)' : tagStatus}`
      : `the last ${countNumber} \`${tagPrefixList.join('')}*\``,
  );
  return `lifecycle policy keeps ${kept.join(', ')}`;
}

/** The settings worth reading per resource type, in a few words. */
function describe(type: string, p: Props): string {
  switch (type) {
    case 'AWS::S3::Bucket':
      return describeBucket(p);
    case 'AWS::IAM::Role':
      return describeRole(p);
    case 'AWS::Lambda::Function':
      return describeFunction(p);
    case 'AWS::Lambda::EventInvokeConfig':
      return `${cfnText(p['MaximumRetryAttempts'])} retries, then on-failure destination`;
    case 'AWS::Lambda::Permission':
      return p['FunctionUrlAuthType']
        ? `anyone may call ${cfnText(p['FunctionName'])} through its function URL (auth ${cfnText(p['FunctionUrlAuthType'])})`
        : `${cfnText(p['Principal'])} may ${cfnText(p['Action'])} ${cfnText(p['FunctionName'])}${p['SourceArn'] ? ` from ${cfnText(p['SourceArn'])}` : ''}${p['InvokedViaFunctionUrl'] ? ' (only through its function URL)' : ''}`;
    case 'AWS::Lambda::Url':
      return `auth ${cfnText(p['AuthType'])}; CORS ${cfnText(get(p, 'Cors.AllowOrigins'))}`;
    case 'AWS::SSM::Parameter':
      return `value ${cfnText(p['Value'])}`;
    case 'AWS::SecretsManager::Secret':
      return `generated, ${cfnText(get(p, 'GenerateSecretString.PasswordLength'))} characters`;
    case 'AWS::SQS::Queue':
      return `kept ${Number(p['MessageRetentionPeriod']) / 86400} days; SSE ${p['SqsManagedSseEnabled'] ? 'SQS-managed' : 'off'}`;
    case 'AWS::Logs::LogGroup':
      return `retention ${cfnText(p['RetentionInDays'])} days`;
    case 'AWS::ECR::Repository':
      return `scan on push ${get(p, 'ImageScanningConfiguration.ScanOnPush') ? 'on' : 'off'}; ${describeImageLifecycle(p)}`;
    case 'AWS::SageMaker::Model': {
      const image = cfnText(get(p, 'PrimaryContainer.Image')).split('/').pop();
      const backends = cfnText(get(p, 'PrimaryContainer.Environment.GEN3D_BACKENDS'));
      return `image ${image}; backends ${backends}${get(p, 'PrimaryContainer.ModelDataSource') ? '; model data from the model bucket' : ''}`;
    }
    case 'AWS::SageMaker::EndpointConfig':
      return describeEndpointConfig(p);
    case 'AWS::SageMaker::Endpoint':
      return `config ${cfnText(p['EndpointConfigName'])}`;
    case 'AWS::ApplicationAutoScaling::ScalableTarget':
      return `${cfnText(p['ResourceId'])}: ${cfnText(p['MinCapacity'])} to ${cfnText(p['MaxCapacity'])} instances`;
    case 'AWS::ApplicationAutoScaling::ScalingPolicy':
      return p['PolicyType'] === 'TargetTrackingScaling'
        ? `target tracking ${cfnText(get(p, 'TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification.MetricName'))} = ${cfnText(get(p, 'TargetTrackingScalingPolicyConfiguration.TargetValue'))}`
        : `step scaling +${cfnText(get(p, 'StepScalingPolicyConfiguration.StepAdjustments.0.ScalingAdjustment'))} instance`;
    case 'AWS::CloudWatch::Alarm':
      return `${cfnText(p['Namespace'])} ${cfnText(p['MetricName'])} ${cfnText(p['Statistic'])} ${cfnText(p['ComparisonOperator'])} ${cfnText(p['Threshold'])}, ${cfnText(p['EvaluationPeriods'])} × ${Number(p['Period']) / 60} min${p['AlarmActions'] ? '; actions' : ''}`;
    case 'AWS::CloudWatch::Dashboard': {
      const body = cfnText(p['DashboardBody']);
      const widgets = body.match(/"type":"(metric|alarm)"/g)?.length ?? 0;
      return `${widgets} widgets`;
    }
    case 'AWS::CloudFront::Distribution':
      return `HTTPS (${cfnText(get(p, 'DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy'))}); origin path ${cfnText(get(p, 'DistributionConfig.Origins.0.OriginPath'))}; root ${cfnText(get(p, 'DistributionConfig.DefaultRootObject'))}`;
    case 'AWS::CloudTrail::Trail':
      return `log file validation ${p['EnableLogFileValidation'] ? 'on' : 'off'}; multi-region ${p['IsMultiRegionTrail'] ? 'on' : 'off'}; CloudWatch Logs`;
    case 'AWS::Config::ConfigRule':
      return `managed rule ${cfnText(get(p, 'Source.SourceIdentifier'))}`;
    default:
      return '';
  }
}

function nameOf(logicalId: string, props: Props): string {
  for (const key of NAME_PROPERTIES) if (props[key] !== undefined) return cfnText(props[key]);
  return logicalId;
}

function tagsOf(props: Props): InventoryRow['tags'] {
  if (!('Tags' in props)) return 'not taggable';
  const tags = list(props['Tags']).map((t) => t as { Key: string; Value: string });
  const tagMap = Array.isArray(props['Tags'])
    ? Object.fromEntries(tags.map((t) => [t.Key, t.Value]))
    : (props['Tags'] as Record<string, string>);
  return Object.keys(SEED.tags).every((key) => tagMap[key] !== undefined) ? 'seed tags' : 'missing';
}

/** One row per resource of every template, in template order. */
export function inventoryRows(stacks: readonly StackTemplate[]): InventoryRow[] {
  return stacks.flatMap((stack) => {
    const resources = Object.entries(stack.template.Resources ?? {}).filter(
      ([, resource]) => resource.Type !== 'AWS::CDK::Metadata',
    );
    // `${Logical}` and `${Logical.Arn}` of a resource with a physical name read as that name.
    const names = new Map(
      resources
        .map(([logicalId, resource]) => [logicalId, nameOf(logicalId, resource.Properties ?? {})] as const)
        .filter(([logicalId, name]) => name !== logicalId),
    );
    const readable = (text: string) =>
      text.replace(/\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}/g, (match, id: string) => names.get(id) ?? match);
    return resources.map(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      return {
        stack: stack.id,
        type: resource.Type,
        name: readable(nameOf(logicalId, props)),
        settings: readable(describe(resource.Type, props)),
        tags: tagsOf(props),
      };
    });
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: readonly InventoryRow[]): string[] {
  return [
    '| stack | type | name | key settings | tags |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.stack} | ${r.type} | \`${cell(r.name)}\` | ${cell(r.settings)} | ${r.tags} |`),
  ];
}

function notifications(stacks: readonly StackTemplate[]): string[] {
  const lines: string[] = [];
  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const configs = list(get(resource.Properties ?? {}, 'NotificationConfiguration.LambdaConfigurations'));
      for (const config of configs) {
        const rules = list(get(config as Props, 'Filter.S3Key.Rules')) as { Name: string; Value: string }[];
        const rule = (name: string) => rules.find((r) => r.Name === name)?.Value ?? '';
        const fn = cfnText((config as Props)['Function'])
          .split(':')
          .pop();
        lines.push(
          `| ${stack.id} | \`${cfnText((config as Props)['Event'])}\` | \`${rule('prefix')}\` | \`${rule('suffix')}\` | \`${fn}\` |`,
        );
      }
    }
  }
  return ['| stack | event | prefix | suffix | function |', '| --- | --- | --- | --- | --- |', ...lines];
}

function counts(rows: readonly InventoryRow[]): string[] {
  const byType = new Map<string, number>();
  for (const row of rows) byType.set(row.type, (byType.get(row.type) ?? 0) + 1);
  return [
    '| type | count |',
    '| --- | --- |',
    ...[...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `| ${type} | ${n} |`),
  ];
}

export interface InventoryInput {
  /** The default production synthesis. */
  readonly production: readonly StackTemplate[];
  /** The same with every optional parameter on (governance, alarm email, …), for the resources they add. */
  readonly everyOption: readonly StackTemplate[];
  /** How `everyOption` was synthesized (context), shown in the document. */
  readonly everyOptionContext: Readonly<Record<string, string>>;
}

/** docs/resources.md, before prettier formats it (npm run inventory writes it; a test fails when it is stale). */
export function renderInventory(input: InventoryInput): string {
  const production = inventoryRows(input.production);
  const seen = new Set(production.map((r) => `${r.stack} ${r.type} ${r.name}`));
  const added = inventoryRows(input.everyOption).filter((r) => !seen.has(`${r.stack} ${r.type} ${r.name}`));
  const context = Object.entries(input.everyOptionContext)
    .map(([k, v]) => `\`-c ${k}=${v}\``)
    .join(' ');
  return [
    '# AWS resources (generated)',
    '',
    '<!-- Generated by `npm run inventory` from the synthesized CDK templates; do not edit by hand.',
    '     apps/infra/src/app.spec.ts fails when this file is stale. -->',
    '',
    'Every resource the CDK app (`apps/infra`) deploys, read from the templates `cdk synth` writes: the stack',
    '(its `deploy` target), the CloudFormation type, the physical name (`${…}` is filled in at deploy time), the',
    "settings that matter, and whether the seed's tags (Project, Environment, ManagedBy, CostCenter, Owner) are on it.",
    "The seed's inventory is `shared/seeds/000_5ac0031e2942961d.txt`; every difference is a decision in",
    '[decisions/](decisions/) (0006–0011).',
    '',
    '## Production (default settings)',
    '',
    ...table(production),
    '',
    '## S3 event notifications of the data bucket',
    '',
    'From `NOTIFICATION_RULES` in `libs/s3-keys` (the local stack delivers events from the same list).',
    '',
    ...notifications(input.production),
    '',
    '## Resources added by the optional parameters',
    '',
    `Synthesized with ${context}.`,
    '',
    ...table(added),
    '',
    '## Count per type (production, default settings)',
    '',
    ...counts(production),
    '',
  ].join('\n');
}
