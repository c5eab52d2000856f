import { Stack, Validations } from 'aws-cdk-lib';
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
