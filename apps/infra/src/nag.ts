import { Aws, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnText } from './cfn-text';

/**
 * A value as cdk-nag prints it in a finding id: references flattened to `<AWS::Partition>`, `<Logical.Arn>`.
 * (cdk-nag's own flattenCfnReference is not exported.)
 */
export function nagText(scope: IConstruct, value: string): string {
  return cfnText(Stack.of(scope).resolve(value)).replace(/\$\{/g, '<').replace(/\}/g, '>');
}

/** Acknowledges one cdk-nag AwsSolutions finding on a construct (and its children), with the reason on record. */
export function acknowledge(scope: IConstruct, rule: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({
    id: finding ? `AwsSolutions-${rule}[${finding}]` : `AwsSolutions-${rule}`,
    reason,
  });
}

/** Acknowledges AwsSolutions-IAM5 for one wildcard resource (an ARN that may hold tokens). */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  acknowledge(scope, 'IAM5', reason, `Resource::${nagText(scope, resource)}`);
}

/**
 * CDK's BucketDeployment runs one shared handler function per stack (a singleton whose role CDK writes): it copies
 * files from the CDK asset bucket into the data bucket and invalidates the distribution. Its findings, acknowledged.
 */
export function acknowledgeBucketDeploymentHandler(stack: Stack, dataBucket: string): void {
  const handler = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!handler) throw new Error('the BucketDeployment handler was not found; CDK changed its construct id');
  const why =
    'CDK BucketDeployment handler (written by CDK): copies files from the CDK asset bucket into public/.';
  acknowledge(
    handler,
    'IAM4',
    why,
    'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  );
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    acknowledge(handler, 'IAM5', why, `Action::${action}`);
  }
  acknowledgeWildcardResource(
    handler,
    `arn:${Aws.PARTITION}:s3:::${dataBucket}/*`,
    `${why} CDK grants on the whole bucket; the handler only writes (and prunes) under public/.`,
  );
  acknowledgeWildcardResource(
    handler,
    `arn:${Aws.PARTITION}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`,
    why,
  );
  acknowledge(
    handler,
    'IAM5',
    `${why} cloudfront:CreateInvalidation has no resource-level permissions.`,
    'Resource::*',
  );
  acknowledge(handler, 'L1', `${why} CDK pins the handler's Python runtime.`);
}
