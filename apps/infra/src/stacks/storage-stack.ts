import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { NOTIFICATION_RULES, PUBLIC_PREFIX, type NotificationTarget } from '@gen3d/s3-keys';
import { LIVE_ALIAS } from '../constructs/pipeline-function';
import { skipCheckov } from '../checkov';
import type { Names } from '../names';
import { acknowledgeWildcardResource } from '../nag';
import { imageRetentionRules } from '../image-retention';
import { LATEST_TAG } from '../profiles';
import { noncurrentVersionsRule, retentionLifecycleRules } from '../retention';
import { SEED } from '../seed';
import type { Settings } from '../settings';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type StorageStackProps = Gen3DStackProps;

/** The tag uploads carry so that the optional Glacier rule archives users/{userId}/input/ and nothing else. */
export const INPUT_TAG = { key: 'gen3d-area', value: 'input' } as const;

/**
 * The seed's two buckets and the image repository, plus the data bucket's S3 event notifications.
 *
 * The notifications live here, on the bucket resource itself, and point at the functions by their fixed names
 * (`arn:…:function:Gen3DExtractLambda`), from the one list in libs/s3-keys. No other stack writes the bucket's
 * notification configuration, and this one needs nothing from the function stacks: deploying the extract or notify
 * stack alone leaves the configuration untouched (the function keeps its name, hence its ARN, and its own stack
 * holds the permission that lets S3 invoke it), and deploying this stack alone writes the same full list again.
 * S3 checks the destinations when the configuration is written, so on an empty account the function stacks go
 * first (docs/deploy.md).
 */
export class StorageStack extends Stack {
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { names, settings } = props;
    const accessLogs = settings.s3AccessLogs ? this.addAccessLogBucket(names) : undefined;

    this.dataBucket = this.addDataBucket(names, settings, accessLogs);
    this.addPublicReadPolicy(this.dataBucket);
    this.addNotifications(this.dataBucket, names);
    this.modelBucket = this.addModelBucket(names, accessLogs);
    // One image repository per account: the sandbox stage runs images from the production repository.
    if (names.stage === 'production') this.addImageRepository(names);
    this.acknowledgeFindings(names, settings, accessLogs);
  }

  /** The data bucket: uploads, results and the web site under public/; CORS for the browser's uploads. */
  private addDataBucket(names: Names, settings: Settings, accessLogs: s3.Bucket | undefined): s3.Bucket {
    return new s3.Bucket(this, 'DataBucket', {
      bucketName: names.dataBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: accessLogs ? 'data/' : undefined,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // No ACLs at all (so none can make an object public or writable); public read is the policy below, public/* only.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: new s3.BlockPublicAccess({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      }),
      cors: [
        {
          allowedOrigins: settings.webOrigin ? [settings.webOrigin] : ['*'],
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.PUT, s3.HttpMethods.POST],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: dataLifecycleRules(settings),
      metrics: settings.s3RequestMetrics ? [{ id: 'EntireBucket' }] : undefined,
      replicationRules: settings.drReplica ? this.replicationRules(names) : undefined,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
  }

  /** Every object version to the replica bucket in the replica region (setting drReplica), deletions included. */
  private replicationRules(names: Names): s3.ReplicationRule[] {
    return [
      {
        destination: s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
          bucketName: names.replicaBucket,
          region: SEED.replicaRegion,
        }),
        priority: 1,
        deleteMarkerReplication: true,
      },
    ];
  }

  private addPublicReadPolicy(dataBucket: s3.Bucket): void {
    // Seed §10.1, as written: anyone may read the web site under public/ (and nothing else).
    dataBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PublicReadGetObject',
        principals: [new iam.StarPrincipal()],
        actions: ['s3:GetObject'],
        resources: [dataBucket.arnForObjects(`${PUBLIC_PREFIX}*`)],
      }),
    );
    // CloudFront (Gen3DWebStack) reads public/ through origin access control: any distribution of this account, so
    // that this policy needs no reference to the web stack.
    dataBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontReadPublic',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [dataBucket.arnForObjects(`${PUBLIC_PREFIX}*`)],
        conditions: {
          StringLike: {
            'AWS:SourceArn': this.formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: '*',
            }),
          },
        },
      }),
    );
  }

  /** The bucket's S3 event notifications, from the one list in libs/s3-keys, to the functions' live aliases. */
  private addNotifications(dataBucket: s3.Bucket, names: Names): void {
    const functionArn: Record<NotificationTarget, string> = {
      extract: this.functionArn(names.extractFunction),
      notify: this.functionArn(names.notifyFunction),
    };
    (dataBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      lambdaConfigurations: NOTIFICATION_RULES.map((rule) => ({
        event: rule.event,
        function: functionArn[rule.target],
        filter: {
          s3Key: {
            rules: [
              { name: 'prefix', value: rule.prefix },
              { name: 'suffix', value: rule.suffix },
            ],
          },
        },
      })),
    };
  }

  /**
   * Seed §12 keeps the latest 5 versions of each model artefact, which §2's "Versioning: Disabled" cannot: versioned,
   * with every version past the newest five expired (decision 0006's deviations).
   */
  private addModelBucket(names: Names, accessLogs: s3.Bucket | undefined): s3.Bucket {
    return new s3.Bucket(this, 'ModelBucket', {
      bucketName: names.modelBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: accessLogs ? 'model/' : undefined,
      versioned: true,
      lifecycleRules: [
        {
          id: 'keep-latest-5-versions',
          noncurrentVersionsToRetain: SEED.keepModelVersions - 1,
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
  }

  /** The inference image repository: commit tags immutable, the last 5 images of each profile kept (0037). */
  private addImageRepository(names: Names): void {
    const repository = new ecr.Repository(this, 'InferenceRepository', {
      repositoryName: names.ecrRepository,
      imageScanOnPush: true,
      // A commit's tag always names the image built from that commit (ecr-push.sh skips a tag already pushed);
      // only `latest`, the pointer a hand deploy without GEN3D_IMAGE_TAG runs, moves.
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard(LATEST_TAG)],
      lifecycleRules: imageRetentionRules().map(({ tagPrefix, ...rule }) => ({
        ...rule,
        ...(tagPrefix === undefined
          ? { tagStatus: ecr.TagStatus.ANY }
          : { tagStatus: ecr.TagStatus.TAGGED, tagPrefixList: [tagPrefix] }),
      })),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    skipCheckov(
      repository,
      'CKV_AWS_51',
      'Tags are immutable (IMMUTABLE_WITH_EXCLUSION): every commit tag, which the deploy workflow runs, names one image for good; only `latest`, the pointer of a hand deploy without GEN3D_IMAGE_TAG, moves. checkov knows only IMMUTABLE.',
    );
    skipCheckov(
      repository,
      'CKV_AWS_136',
      'Images are encrypted at rest with AES-256 (ECR’s default); they hold the public worker code and no weights or user data, so a KMS key would add cost and a key policy and protect nothing more.',
    );
  }

  /** The cdk-nag and checkov findings this stack accepts, each with the reason. */
  private acknowledgeFindings(names: Names, settings: Settings, accessLogs: s3.Bucket | undefined): void {
    const noAccessLogs =
      'Server access logs are a setting (gen3d:s3AccessLogs), off by default for their storage cost; without them no log names who read or wrote which object (the optional trail records management events only).';
    for (const bucket of accessLogs ? [] : [this.dataBucket, this.modelBucket]) {
      Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: noAccessLogs });
      skipCheckov(bucket, 'CKV_AWS_18', noAccessLogs);
    }
    const publicRead =
      'Seed §10.1 asks for public read of public/* (the web site); ACLs are blocked and ignored, and the bucket policy grants the public s3:GetObject on public/* only.';
    Validations.of(this.dataBucket).acknowledge({ id: 'AwsSolutions-S2', reason: publicRead });
    skipCheckov(this.dataBucket, 'CKV_AWS_54', `${publicRead} BlockPublicPolicy would refuse that policy.`);
    skipCheckov(
      this.dataBucket,
      'CKV_AWS_56',
      `${publicRead} RestrictPublicBuckets would cut that read off; nothing else in the policy is public.`,
    );
    if (settings.drReplica) {
      const role = this.dataBucket.node.findChild('ReplicationRole');
      const why =
        'S3 replication reads every object version of the data bucket and writes them to the replica (CDK replication grant).';
      acknowledgeWildcardResource(role, `${this.dataBucket.bucketArn}/*`, why);
      acknowledgeWildcardResource(role, `arn:${this.partition}:s3:::${names.replicaBucket}/*`, why);
    }
  }

  /** Where S3 writes the buckets' server access logs: SSE-S3 (required for log delivery), kept 90 days. */
  private addAccessLogBucket(names: Names): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogBucket', {
      bucketName: names.accessLogBucket,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ id: 'expire-after-90-days', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const itself = 'The access log bucket itself: logging its own access would log the logger.';
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: itself });
    skipCheckov(bucket, 'CKV_AWS_18', itself);
    skipCheckov(
      bucket,
      'CKV_AWS_21',
      'Access logs are written once by S3 log delivery and expire after 90 days: no object is ever overwritten, so versions would only keep expired logs longer.',
    );
    return bucket;
  }

  /** The function's live alias (pipeline-function.ts), which S3 invokes: a rollback moves the alias, not this. */
  private functionArn(name: string): string {
    return this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: `${name}:${LIVE_ALIAS}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}

/**
 * The data bucket's lifecycle: old versions (after 90 days, or the retention when longer) and abandoned uploads
 * expire; users' files (users/, and the job index) are kept `retentionDays` and a day (retention.ts, decisions 0028
 * and 0034); with glacierArchive, tagged uploads (users/{userId}/input/, INPUT_TAG) go to Glacier after 90 days,
 * which matters only when they are kept longer than that.
 */
function dataLifecycleRules(settings: Settings): s3.LifecycleRule[] {
  return [
    noncurrentVersionsRule(settings.retentionDays),
    { id: 'AbortIncompleteUploadsAfter7Days', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ...retentionLifecycleRules(settings.retentionDays),
    ...(settings.glacierArchive
      ? [
          {
            id: 'ArchiveUploadsToGlacierAfter90Days',
            prefix: 'users/',
            tagFilters: { [INPUT_TAG.key]: INPUT_TAG.value },
            transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }],
          },
        ]
      : []),
  ];
}
