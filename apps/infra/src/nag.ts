import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnText } from './cfn-text';
import { CHECKOV_REASONS, skipCheckov } from './checkov';

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
 * CDK's BucketDeployment runs one shared handler function per stack (a singleton CDK writes): it copies files from the
 * CDK asset bucket under public/ of the data bucket and invalidates the distribution, with the role of
 * constructs/public-deployment-role.ts. Its findings, acknowledged (cdk-nag) and skipped (checkov), with the reasons.
 */
export function acknowledgeBucketDeploymentHandler(stack: Stack): void {
  const handler = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!handler) throw new Error('the BucketDeployment handler was not found; CDK changed its construct id');
  const why = 'CDK BucketDeployment handler (written by CDK), run by CloudFormation at deploy time only';
  acknowledge(handler, 'L1', `${why}: CDK pins the handler's Python runtime.`);
  skipCheckov(handler, 'CKV_AWS_115', `${why}: one invocation per deployment, nothing to cap.`);
  skipCheckov(
    handler,
    'CKV_AWS_116',
    `${why}: CloudFormation waits for its answer and fails the deployment.`,
  );
  skipCheckov(handler, 'CKV_AWS_117', CHECKOV_REASONS.noVpc);
  skipCheckov(handler, 'CKV_AWS_173', CHECKOV_REASONS.environmentAtRest);
}
