import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHECKOV_REASONS, skipCheckov } from '../checkov';
import { SEED } from '../seed';
import { bundleDir } from '../workspace';

export interface PipelineFunctionProps {
  /** The Nx project whose bundle (dist/apps/<project>/lambda_function.js) is the code. */
  readonly project: string;
  readonly functionName: string;
  readonly roleName: string;
  /** The role's one inline policy (seed: Gen3DLambdaExtractPolicy, Gen3DLambdaNotifyPolicy). */
  readonly policyName: string;
  readonly statements: readonly iam.PolicyStatement[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency (setting; the seed's value by default), or none: the account's unreserved pool. */
  readonly reservedConcurrency: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
  /** S3 invokes the function asynchronously: after two retries the event goes to this queue (kept 14 days). */
  readonly failureQueueName: string;
  /** The bucket allowed to invoke the function (by name: no reference to the storage stack). */
  readonly invokingBucket: string;
}

/**
 * One pipeline function as the seed describes it (name, role with one inline policy, log group kept 30 days,
 * memory, timeout, reserved concurrency, environment), running the esbuild bundle of its app, plus what the seed
 * leaves out: an on-failure destination so that no S3 event is dropped silently.
 */
/** The alias S3 notifications invoke; each deployment points it at the version it published. */
export const LIVE_ALIAS = 'live';

export class PipelineFunction extends Construct {
  readonly function: lambda.Function;
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  readonly failureQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      queueName: props.failureQueueName,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        [props.policyName]: new iam.PolicyDocument({
          statements: [
            ...props.statements,
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [`${this.logGroup.logGroupArn}`],
            }),
            new iam.PolicyStatement({
              actions: ['sqs:SendMessage'],
              resources: [this.failureQueue.queueArn],
            }),
          ],
        }),
      },
    });

    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: SEED.handler,
      code: lambda.Code.fromAsset(bundleDir(props.project, 'lambda_function.js')),
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency,
      // Every permission is in the seed's inline policy above: CDK adds no second policy to the role.
      role: this.role.withoutPolicyUpdates(),
      environment: { ...props.environment },
      logGroup: this.logGroup,
      // Every published version is kept (seed §12: "all versions"), never after a failed first create.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE },
    });

    // Seed §12: a version per deployment (every version kept), and the alias S3 invokes. Rollback moves the alias
    // (docs/deploy.md). The async settings belong to what is invoked: the alias.
    this.alias = new lambda.Alias(this, 'LiveAlias', {
      aliasName: LIVE_ALIAS,
      version: this.function.currentVersion,
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });

    this.alias.addPermission('AllowDataBucketInvoke', {
      principal: new iam.ServicePrincipal('s3.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: `arn:${stack.partition}:s3:::${props.invokingBucket}`,
      sourceAccount: stack.account,
    });

    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination (the dead letters) of the function.',
    });
    this.acceptCheckovFindings();
  }

  /** The checkov findings a pipeline function accepts, each with the reason. */
  private acceptCheckovFindings(): void {
    skipCheckov(this.logGroup, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
    skipCheckov(
      this.failureQueue,
      'CKV_AWS_27',
      'Encrypted at rest with SSE-SQS (SqsManagedSseEnabled, keys SQS manages); checkov counts only a KMS key. The messages are S3 event records: keys, no contents.',
    );
    skipCheckov(
      this.function,
      'CKV_AWS_116',
      'S3 invokes the function asynchronously through the live alias, whose on-failure destination is the failure queue (EventInvokeConfig): a DLQ on the function would be a second copy of the same record.',
    );
    skipCheckov(this.function, 'CKV_AWS_117', CHECKOV_REASONS.noVpc);
    skipCheckov(this.function, 'CKV_AWS_173', CHECKOV_REASONS.environmentAtRest);
  }
}
