import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { skipCheckov } from '../checkov';
import { retentionLifecycleRules } from '../retention';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type ReplicaStackProps = Gen3DStackProps;

const REPLICA_WITHOUT_ACCESS_LOGS =
  'A replica written only by S3 replication and read by no service; server access logs would need a log bucket of their own in the replica region (S3 delivers them only within a region), which gen3d:s3AccessLogs does not create.';

/**
 * Seed §16: the disaster-recovery replica of gen3d-data-bucket in us-west-2 (only with gen3d:drReplica). The storage
 * stack's replication rule names this bucket, so this stack is deployed first. S3 does not replicate lifecycle
 * expiries nor deletions of a version, so the replica expires users' files by the same retention rules itself.
 */
export class ReplicaStack extends Stack {
  constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    const bucket = new s3.Bucket(this, 'ReplicaBucket', {
      bucketName: props.names.replicaBucket,
      versioned: true,
      lifecycleRules: retentionLifecycleRules(props.settings.retentionDays),
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: REPLICA_WITHOUT_ACCESS_LOGS,
    });
    skipCheckov(bucket, 'CKV_AWS_18', REPLICA_WITHOUT_ACCESS_LOGS);
  }
}
