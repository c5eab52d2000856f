import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { PUBLIC_PREFIX } from '@gen3d/s3-keys';
import { acknowledgeWildcardResource } from '../nag';

export interface PublicDeploymentRoleProps {
  /** The data bucket, whose public/ the deployment writes. */
  readonly dataBucket: string;
  /** The distribution the deployment invalidates. */
  readonly distributionArn: string;
  /** The handler's log group (helperLogGroup). */
  readonly logGroup: logs.ILogGroup;
}

/**
 * The role of CDK's BucketDeployment handler (the web site, the API's config.json): it reads the deployment's zip
 * from the CDK asset bucket and copies (and, for the site, prunes) files under public/ of the data bucket, then
 * invalidates the distribution. CDK would grant the handler read, write and delete on the whole destination bucket;
 * this role is handed over without policy updates, so CDK's grants are dropped and only these statements hold:
 * writes, deletes and listings under public/ only (decision 0032).
 */
export function publicDeploymentRole(scope: Stack, id: string, props: PublicDeploymentRoleProps): iam.IRole {
  const assets = assetBucketArn(scope);
  const publicObjects = `arn:${scope.partition}:s3:::${props.dataBucket}/${PUBLIC_PREFIX}*`;
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `CDK BucketDeployment handler: copies into s3://${props.dataBucket}/${PUBLIC_PREFIX} only`,
    inlinePolicies: {
      PublicDeployment: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${assets}/*`] }),
          new iam.PolicyStatement({
            actions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
            resources: [publicObjects],
          }),
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [`arn:${scope.partition}:s3:::${props.dataBucket}`],
            conditions: { StringLike: { 's3:prefix': [`${PUBLIC_PREFIX}*`] } },
          }),
          new iam.PolicyStatement({
            actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
            resources: [props.distributionArn],
          }),
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [props.logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  const why = 'CDK BucketDeployment handler';
  acknowledgeWildcardResource(
    role,
    publicObjects,
    `${why}: writes and prunes the web site, under public/ only.`,
  );
  acknowledgeWildcardResource(
    role,
    `${assets}/*`,
    `${why}: reads the deployment's zip from the CDK asset bucket, whose key is a content hash.`,
  );
  return role.withoutPolicyUpdates();
}

/** The CDK bootstrap bucket the stack's file assets are published to (the default synthesizer's, by its name). */
function assetBucketArn(stack: Stack): string {
  if (!(stack.synthesizer instanceof DefaultStackSynthesizer))
    throw new Error('the public deployment expects the default stack synthesizer (the CDK asset bucket)');
  const qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `arn:${stack.partition}:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}`;
}
