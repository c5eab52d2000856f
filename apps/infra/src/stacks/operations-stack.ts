import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as config from 'aws-cdk-lib/aws-config';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  dataBucketRequestMetric,
  endpointMetric,
  lambdaMetric,
  queueDepthMetric,
} from '../constructs/metrics';
import { CHECKOV_REASONS, skipCheckov } from '../checkov';
import { API_FUNCTION, type Names } from '../names';
import { SEED } from '../seed';
import type { Settings } from '../settings';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type OperationsStackProps = Gen3DStackProps;

/** CloudWatch reports ModelLatency in microseconds; the seed's threshold is in milliseconds. */
export const MICROSECONDS_PER_MS = 1000;

/** The five AWS Config rules of seed §15, by the managed rule that checks each. */
export const CONFIG_RULES = [
  {
    name: 'Gen3D-S3-Encryption',
    identifier: 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED',
    seed: 'S3 bucket encryption enabled',
  },
  {
    name: 'Gen3D-S3-Versioning',
    identifier: 'S3_BUCKET_VERSIONING_ENABLED',
    seed: 'S3 bucket versioning enabled',
  },
  {
    name: 'Gen3D-Lambda-Runtime',
    identifier: 'LAMBDA_FUNCTION_SETTINGS_CHECK',
    seed: 'Lambda functions using supported runtime',
  },
  {
    name: 'Gen3D-IAM-PoliciesOnRoles',
    identifier: 'IAM_USER_NO_POLICIES_CHECK',
    seed: 'IAM policies attached to roles',
  },
  {
    name: 'Gen3D-Logs-Retention',
    identifier: 'CW_LOGGROUP_RETENTION_PERIOD_CHECK',
    seed: 'CloudWatch log retention configured',
  },
] as const;

/**
 * Monitoring of seed §7 (the application log group, the two alarms, the dashboard Gen3D-Operations), the alarms
 * that watch the on-failure queues, the alarm topic, and the governance of §15 behind parameters. Every metric is
 * found by the seed's fixed names, so this stack imports nothing from the others.
 */
export class OperationsStack extends Stack {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    const { names, settings } = props;

    const applicationLogs = new logs.LogGroup(this, 'ApplicationLogGroup', {
      logGroupName: names.applicationLogGroup,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    skipCheckov(applicationLogs, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
    const topic = settings.alarmEmail ? this.addAlarmTopic(names, settings.alarmEmail) : undefined;
    this.addPipelineAlarms(names, topic);
    this.addMailReputationAlarms(names, topic);
    this.addDashboard(names, settings);
    if (settings.cloudTrail) this.addTrail(names);
    if (settings.configRules) this.addConfigRules(names);
  }

  /** The topic every alarm publishes to, with the operator's email subscribed (setting alarmEmail). */
  private addAlarmTopic(names: Names, alarmEmail: string): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', { topicName: names.alarmTopic, enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; the messages are alarm state changes, no user data.',
    });
    skipCheckov(
      topic,
      'CKV_AWS_26',
      'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key (a customer key would need a key policy for CloudWatch and a monthly fee); the messages are alarm state changes, no user data.',
    );
    return topic;
  }

  /** An alarm that publishes to the topic when there is one, listed in `alarms` (the dashboard's status widget). */
  private addAlarm(id: string, props: cloudwatch.AlarmProps, topic: sns.Topic | undefined): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this, id, props);
    if (topic) created.addAlarmAction(new actions.SnsAction(topic));
    this.alarms.push(created);
    return created;
  }

  /** Seed §7.2's two alarms (extract errors, model latency) and one per on-failure queue holding events. */
  private addPipelineAlarms(names: Names, topic: sns.Topic | undefined): void {
    this.addAlarm(
      'ExtractHighErrors',
      {
        alarmName: names.extractErrorsAlarm,
        alarmDescription:
          'Seed §7.2: more than 5 errors of the extract lambda, two 5-minute periods in a row.',
        metric: lambdaMetric('Errors', names.extractFunction).with({
          period: Duration.minutes(SEED.extractErrors.periodMinutes),
        }),
        threshold: SEED.extractErrors.threshold,
        evaluationPeriods: SEED.extractErrors.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      topic,
    );
    this.addAlarm(
      'ModelLatency',
      {
        alarmName: names.modelLatencyAlarm,
        alarmDescription: 'Seed §7.2: average model latency above 60000 ms (the metric is in microseconds).',
        metric: endpointMetric(names, 'ModelLatency', 'Average').with({
          period: Duration.minutes(SEED.modelLatency.periodMinutes),
        }),
        threshold: SEED.modelLatency.thresholdMs * MICROSECONDS_PER_MS,
        evaluationPeriods: SEED.modelLatency.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      topic,
    );
    for (const [id, alarmName, queueName, fn] of [
      ['ExtractFailedEvents', names.extractFailuresAlarm, names.extractFailureQueue, names.extractFunction],
      ['NotifyFailedEvents', names.notifyFailuresAlarm, names.notifyFailureQueue, names.notifyFunction],
    ] as const) {
      this.addAlarm(
        id,
        {
          alarmName,
          alarmDescription: `Events ${fn} failed after two retries wait in ${queueName}: see docs/deploy.md, "Redrive".`,
          metric: queueDepthMetric(queueName),
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        topic,
      );
    }
  }

  /** SES reviews an account above 5 % bounces or 0.1 % complaints and may pause its sending: alarm well before. */
  private addMailReputationAlarms(names: Names, topic: sns.Topic | undefined): void {
    for (const [id, alarmName, metricName, threshold] of [
      ['BounceRate', names.bounceRateAlarm, 'Reputation.BounceRate', 0.02],
      ['ComplaintRate', names.complaintRateAlarm, 'Reputation.ComplaintRate', 0.0005],
    ] as const) {
      this.addAlarm(
        id,
        {
          alarmName,
          alarmDescription: `SES ${metricName} above ${threshold * 100} % (SES reviews the account at 5 % bounces or 0.1 % complaints): see docs/decisions/0025.`,
          metric: new cloudwatch.Metric({
            namespace: 'AWS/SES',
            metricName,
            statistic: 'Maximum',
            period: Duration.hours(1),
          }),
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        topic,
      );
    }
  }

  /** The dashboard Gen3D-Operations of seed §7: invocations, latency, errors and queues, every alarm's state. */
  private addDashboard(names: Names, settings: Settings): void {
    const functions = [names.extractFunction, names.notifyFunction];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: names.dashboard,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda invocations',
        left: functions.map((fn) => lambdaMetric('Invocations', fn)),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'SageMaker latency (microseconds)',
        left: [
          endpointMetric(names, 'ModelLatency', 'Average'),
          endpointMetric(names, 'ModelLatency', 'p90'),
        ],
        right: [endpointMetric(names, 'ApproximateBacklogSizePerInstance', 'Average', false)],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Errors',
        left: [
          ...functions.map((fn) => lambdaMetric('Errors', fn)),
          endpointMetric(names, 'Invocation4XXErrors', 'Sum'),
          endpointMetric(names, 'Invocation5XXErrors', 'Sum'),
        ],
        right: [queueDepthMetric(names.extractFailureQueue), queueDepthMetric(names.notifyFailureQueue)],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    if (settings.s3RequestMetrics) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'S3 requests (data bucket)',
          left: ['AllRequests', 'PutRequests', 'GetRequests', '4xxErrors', '5xxErrors'].map((metricName) =>
            dataBucketRequestMetric(names, metricName),
          ),
          width: 24,
        }),
      );
    }
  }

  /** Seed §15's AWS Config rules (setting configRules); the Lambda settings check is one rule per function. */
  private addConfigRules(names: Names): void {
    for (const rule of CONFIG_RULES) {
      if (rule.identifier === 'LAMBDA_FUNCTION_SETTINGS_CHECK') {
        this.addLambdaSettingsRules(names, rule);
        continue;
      }
      new config.ManagedRule(this, rule.name, {
        configRuleName: names.stage === 'production' ? rule.name : `Sandbox-${rule.name}`,
        identifier: rule.identifier,
        description: `Seed §15: ${rule.seed}.`,
      });
    }
  }

  /**
   * LAMBDA_FUNCTION_SETTINGS_CHECK compares every function in scope with one memory size and timeout (defaults 128 MB
   * and 3 s), so one rule for all would mark Gen3D's own functions non-compliant: one rule per function, scoped to
   * it, with its real runtime, memory and timeout.
   */
  private addLambdaSettingsRules(names: Names, rule: (typeof CONFIG_RULES)[number]): void {
    const functions = [
      { suffix: 'Extract', name: names.extractFunction, ...SEED.extract },
      { suffix: 'Notify', name: names.notifyFunction, ...SEED.notify },
      { suffix: 'Api', name: names.apiFunction, ...API_FUNCTION },
    ];
    for (const fn of functions) {
      const ruleName = `${rule.name}-${fn.suffix}`;
      new config.ManagedRule(this, ruleName, {
        configRuleName: names.stage === 'production' ? ruleName : `Sandbox-${ruleName}`,
        identifier: rule.identifier,
        description: `Seed §15: ${rule.seed} (${fn.name}: its runtime, memory and timeout).`,
        ruleScope: config.RuleScope.fromResource(config.ResourceType.LAMBDA_FUNCTION, fn.name),
        inputParameters: {
          runtime: 'nodejs24.x',
          // Config passes the parameters to the managed rule as strings.
          memorySize: String(fn.memoryMb),
          timeout: String(fn.timeoutSeconds),
        },
      });
    }
  }

  private addTrail(names: Names): void {
    const auditBucket = new s3.Bucket(this, 'AuditBucket', {
      bucketName: names.auditBucket,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(auditBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The audit bucket holds CloudTrail logs; logging its own access would log the logger.',
    });
    skipCheckov(
      auditBucket,
      'CKV_AWS_18',
      'The audit bucket holds CloudTrail logs; logging its own access would log the logger.',
    );
    const trailLogs = new logs.LogGroup(this, 'TrailLogGroup', {
      logGroupName: names.stage === 'production' ? '/gen3d/cloudtrail' : '/sandbox/gen3d/cloudtrail',
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    skipCheckov(trailLogs, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
    const trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: names.trail,
      bucket: auditBucket,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: trailLogs,
    });
    skipCheckov(
      trail,
      'CKV_AWS_35',
      'The trail’s files are encrypted at rest with SSE-S3 in a private, versioned bucket, with file validation; a KMS key would add a key policy for CloudTrail and a fee for every management event read.',
    );
  }
}
