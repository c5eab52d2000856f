import { ArnFormat, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CHECKOV_REASONS, skipCheckov } from '../checkov';
import { acknowledgeWildcardResource } from '../nag';
import { helperLogGroup } from './log-groups';
import { SCALING_HANDOVER_HANDLER } from './scaling-handover-handler';

/** CloudFormation's limit on inline code (ZipFile). */
export const INLINE_CODE_LIMIT = 4096;

/** The handler's code, checked to fit inline. */
export function scalingHandoverCode(code = SCALING_HANDOVER_HANDLER): string {
  if (code.length > INLINE_CODE_LIMIT) {
    throw new Error(
      `the scaling handover's handler has ${code.length} characters; inline code allows ${INLINE_CODE_LIMIT}`,
    );
  }
  return code;
}

/** Every scalable target of the stack's account and region (an ARN ends in an id Application Auto Scaling makes up). */
function scalableTargetsOf(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'application-autoscaling',
    resource: 'scalable-target',
    resourceName: '*',
  });
}

export interface ScalingHandoverProps {
  readonly endpointName: string;
  /** The variant the endpoint is about to serve: every other variant of the endpoint leaves auto scaling. */
  readonly keepVariant: string;
}

/**
 * Takes the endpoint's other variants out of Application Auto Scaling before the endpoint changes (decision 0029):
 * a Python function (boto3 is in Lambda's runtime, so the code is inline: no bundle) behind a custom resource whose
 * properties name the variant to keep, so it runs whenever that changes. The endpoint depends on it.
 */
export class ScalingHandover extends Construct {
  readonly resource: CustomResource;
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: ScalingHandoverProps) {
    super(scope, id);
    // A helper of the stack, like CDK's own (unnamed, its logs kept 30 days): not one of Gen3D's pipeline functions.
    const logGroup = helperLogGroup(this, 'LogGroup');
    // Application Auto Scaling deletes a target-tracking policy's alarms with the caller's permissions.
    const trackingAlarms = Stack.of(this).formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `TargetTracking-endpoint/${props.endpointName}/variant/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const role = this.addRole(logGroup.logGroupArn, trackingAlarms);
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.PYTHON_3_13,
      handler: 'index.handler',
      code: lambda.Code.fromInline(scalingHandoverCode()),
      timeout: Duration.minutes(2),
      memorySize: 128,
      role: role.withoutPolicyUpdates(),
      logGroup,
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::ScalingHandover',
      properties: { EndpointName: props.endpointName, KeepVariant: props.keepVariant },
    });
    this.resource.node.addDependency(role);
    this.acknowledgeFindings(role, trackingAlarms);
  }

  /** The function's role: describe, delete policies and deregister; delete this endpoint's tracking alarms; log. */
  private addRole(logGroupArn: string, trackingAlarms: string): iam.Role {
    const scalableTargets = scalableTargetsOf(this);
    return new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        handover: new iam.PolicyDocument({
          statements: [
            // Reads: these take no resource ARN.
            new iam.PolicyStatement({
              actions: [
                'application-autoscaling:DescribeScalableTargets',
                'application-autoscaling:DescribeScalingPolicies',
                'cloudwatch:DescribeAlarms',
              ],
              resources: ['*'],
            }),
            // Writes: on this account's scalable targets in this region (their ARNs end in an id Application Auto
            // Scaling makes up, not the variant's resource id, so no narrower pattern names them).
            new iam.PolicyStatement({
              actions: [
                'application-autoscaling:DeleteScalingPolicy',
                'application-autoscaling:DeregisterScalableTarget',
              ],
              resources: [scalableTargets],
            }),
            new iam.PolicyStatement({ actions: ['cloudwatch:DeleteAlarms'], resources: [trackingAlarms] }),
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroupArn],
            }),
          ],
        }),
      },
    });
  }

  /** cdk-nag's and checkov's findings on the function and its role, each with its reason. */
  private acknowledgeFindings(role: iam.Role, trackingAlarms: string): void {
    const reason = {
      describe: 'DescribeScalableTargets, DescribeScalingPolicies and DescribeAlarms take no resource ARN.',
      noDeadLetters:
        'CloudFormation invokes it and waits for its answer on the response URL, which the handler always sends ' +
        "(SUCCESS or FAILED with the reason): a failure is the stack update's, in its events; no dead letters.",
      runtime:
        'python3.13: a runtime Lambda has run for years with boto3 in it; the newest ones CDK lists may not be ' +
        'offered yet. The handler is a few calls, tested with boto3 against moto (tests/scaling-handover.int.spec.ts).',
    };
    skipCheckov(this.function, 'CKV_AWS_117', CHECKOV_REASONS.noVpc);
    skipCheckov(this.function, 'CKV_AWS_116', reason.noDeadLetters);
    skipCheckov(
      this.function,
      'CKV_AWS_115',
      'Invoked only by CloudFormation, once per change of the variant: nothing can call it in bulk.',
    );
    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: reason.runtime });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: reason.describe });
    acknowledgeWildcardResource(
      role,
      scalableTargetsOf(this),
      "A scalable target's ARN ends in an id Application Auto Scaling makes up; the handler deregisters only the " +
        "endpoint's other variants, found by their resource ids.",
    );
    acknowledgeWildcardResource(
      role,
      trackingAlarms,
      "The target-tracking alarms Application Auto Scaling made for this endpoint's variants.",
    );
  }
}
