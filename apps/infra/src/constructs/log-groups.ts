import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CHECKOV_REASONS, skipCheckov } from '../checkov';

/**
 * The log group of a helper function CDK writes (the BucketDeployment handler): the seed's 30 days instead of
 * Lambda's default of forever. Deleted with its stack: it holds copy and invalidation logs, no user data.
 */
export function helperLogGroup(scope: Construct, id: string): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  skipCheckov(group, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
  return group;
}

/**
 * The log group SageMaker writes an endpoint's container logs to. SageMaker would create it on first use without a
 * retention; created here first (30 days, kept on update or delete like the functions' logs), the endpoint depends
 * on it.
 */
export function endpointLogGroup(scope: Construct, id: string, endpointName: string): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, {
    logGroupName: `/aws/sagemaker/Endpoints/${endpointName}`,
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  skipCheckov(group, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
  return group;
}
