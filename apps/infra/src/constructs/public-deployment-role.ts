import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
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
 * writes, deletes and listings under public/ only (decision 0032), and reads of the deployment's own zips, where the
 * stack's synthesizer published them (`readable`).
 */
export class PublicDeploymentRole {
  /** The role to hand to the BucketDeployment: CDK's own grants to it are dropped. */
  readonly role: iam.IRole;
  private readonly policy: iam.PolicyDocument;

  constructor(scope: Stack, id: string, props: PublicDeploymentRoleProps) {
    const publicObjects = `arn:${scope.partition}:s3:::${props.dataBucket}/${PUBLIC_PREFIX}*`;
    this.policy = new iam.PolicyDocument({
      statements: [
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
    });
    const role = new iam.Role(scope, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `CDK BucketDeployment handler: copies into s3://${props.dataBucket}/${PUBLIC_PREFIX} only`,
      inlinePolicies: { PublicDeployment: this.policy },
    });
    acknowledgeWildcardResource(
      role,
      publicObjects,
      'CDK BucketDeployment handler: writes and prunes the web site, under public/ only.',
    );
    this.role = role.withoutPolicyUpdates();
  }

  /**
   * The source, whose zip this role may read: the bucket and key its binding gives, which the stack's synthesizer
   * chose when it published the asset (`Stack.of(scope).synthesizer.addFileAsset`), whatever its bootstrap qualifier
   * or asset bucket. CDK's own read grant to the handler would be dropped with the others.
   *
   * @example new s3deploy.BucketDeployment(this, 'Site', { sources: [deployer.readable(Source.asset(dir))], role: deployer.role, … })
   */
  readable(source: s3deploy.ISource): s3deploy.ISource {
    return {
      bind: (scope, context) => {
        const config = source.bind(scope, context);
        this.policy.addStatements(
          new iam.PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [config.bucket.arnForObjects(config.zipObjectKey)],
          }),
        );
        return config;
      },
    };
  }
}
