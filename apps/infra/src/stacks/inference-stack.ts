import { createHash } from 'node:crypto';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { SAGEMAKER_FAILURE_PREFIX, SAGEMAKER_OUTPUT_PREFIX } from '@gen3d/s3-keys';
import { SAGEMAKER_S3_GRANTS } from '../access';
import { acknowledgePrefixWildcards, s3Statements } from '../constructs/iam';
import { endpointLogGroup } from '../constructs/log-groups';
import { ScalingHandover } from '../constructs/scaling-handover';
import { assertProfileFits } from '../gpu';
import type { Names } from '../names';
import { acknowledgeWildcardResource } from '../nag';
import { PROFILES } from '../profiles';
import { SEED } from '../seed';
import type { Settings } from '../settings';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type InferenceStackProps = Gen3DStackProps;

/** Target of the target-tracking policy: requests waiting per instance (each instance runs 4 at once). */
export const BACKLOG_PER_INSTANCE_TARGET = SEED.maxConcurrentInvocationsPerInstance;
/** Idle minutes before the last instance goes (scale-in cooldown of the target-tracking policy). */
export const SCALE_IN_COOLDOWN_SECONDS = 900;
export const SCALE_OUT_COOLDOWN_SECONDS = 300;

/** Where SageMaker's model data lands in the container: SAM 3D's checkpoints and config (GEN3D_SAM3D_MODEL_DIR). */
export const MODEL_DIR = '/opt/ml/model';
/** Where the learned segmenter's installed model goes in the model bucket (tools/scripts/upload-model.mjs). */
export const SEGMENTATION_MODEL_PREFIX = 'segmentation/isnet-medium/';

/**
 * The SageMaker model, asynchronous endpoint configuration and endpoint of the seed, with the execution role,
 * and Application Auto Scaling from 0 instances: target tracking on ApproximateBacklogSizePerInstance scales between
 * 1 and the maximum and back to 0 when idle; a step policy on HasBacklogWithoutCapacity brings the first instance
 * when work arrives at an endpoint with none (target tracking cannot divide by zero instances).
 */
export class InferenceStack extends Stack {
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly model: sagemaker.CfnModel;
  readonly endpointConfig: sagemaker.CfnEndpointConfig;
  readonly scalingHandover: ScalingHandover;

  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id, props);
    const { names, settings } = props;
    assertProfileFits(PROFILES[settings.profile], settings.instanceType);
    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', names.ecrRepository);
    const role = this.addExecutionRole(names, repository);

    const container = modelContainer(names, settings, repository);
    // A model and an endpoint configuration cannot change in place, and CloudFormation cannot replace a resource
    // with a fixed name: the seed's names get a suffix that changes with their content (docs/decisions/0008).
    const modelName = `${names.model}-${contentHash({
      ...container,
      image: `${names.ecrRepository}:${settings.imageTag}`,
      role: names.sageMakerRole,
    })}`;
    this.model = new sagemaker.CfnModel(this, 'Model', {
      modelName,
      executionRoleArn: role.roleArn,
      primaryContainer: container,
    });
    this.endpointConfig = this.addEndpointConfig(names, settings, modelName);

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: names.endpoint,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      // An update keeps the instance count auto scaling chose (0 when idle) instead of going back to 1.
      retainAllVariantProperties: true,
    });
    this.endpoint.node.addDependency(endpointLogGroup(this, 'EndpointLogGroup', names.endpoint));
    // The variant is named after its instance type (names.ts): a new instance type is a new variant, and the old
    // one must leave auto scaling before the endpoint update, or SageMaker refuses it (decision 0029).
    this.scalingHandover = new ScalingHandover(this, 'ScalingHandover', {
      endpointName: names.endpoint,
      keepVariant: names.variant,
    });
    this.endpoint.node.addDependency(this.scalingHandover);

    this.addScaling(names, settings);
  }

  /** SageMaker's role: the model's S3 grants, pulls from the image repository, the endpoint's own log group. */
  private addExecutionRole(names: Names, repository: ecr.IRepository): iam.Role {
    const buckets = { data: names.dataBucket, model: names.modelBucket };
    const endpointLogs = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${names.endpoint}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const role = new iam.Role(this, 'ExecutionRole', {
      roleName: names.sageMakerRole,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      inlinePolicies: {
        [names.sageMakerPolicy]: new iam.PolicyDocument({
          statements: [
            ...s3Statements(SAGEMAKER_S3_GRANTS, buckets),
            new iam.PolicyStatement({
              actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
              resources: [repository.repositoryArn],
            }),
            // GetAuthorizationToken has no resource-level permissions.
            new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
            new iam.PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:PutLogEvents',
                'logs:DescribeLogStreams',
              ],
              resources: [endpointLogs],
            }),
          ],
        }),
      },
    });
    acknowledgePrefixWildcards(role, SAGEMAKER_S3_GRANTS, buckets);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are limited to the repository.',
    });
    acknowledgeWildcardResource(
      role,
      endpointLogs,
      "The endpoint's own log group; SageMaker creates a log stream per instance.",
    );
    return role;
  }

  /** The asynchronous endpoint configuration: one variant of the model, results and failures in the data bucket. */
  private addEndpointConfig(
    names: Names,
    settings: Settings,
    modelName: string,
  ): sagemaker.CfnEndpointConfig {
    const variant: sagemaker.CfnEndpointConfig.ProductionVariantProperty = {
      variantName: names.variant,
      modelName,
      instanceType: settings.instanceType,
      initialInstanceCount: 1,
      initialVariantWeight: 1,
    };
    const asyncInferenceConfig: sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty = {
      outputConfig: {
        s3OutputPath: `s3://${names.dataBucket}/${SAGEMAKER_OUTPUT_PREFIX}`,
        s3FailurePath: `s3://${names.dataBucket}/${SAGEMAKER_FAILURE_PREFIX}`,
      },
      clientConfig: { maxConcurrentInvocationsPerInstance: SEED.maxConcurrentInvocationsPerInstance },
    };
    const endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      endpointConfigName: `${names.endpointConfig}-${contentHash({ variant, asyncInferenceConfig })}`,
      productionVariants: [variant],
      asyncInferenceConfig,
    });
    endpointConfig.node.addDependency(this.model);
    return endpointConfig;
  }

  /**
   * The variant's scalable target and policies. Their resource id (and names) carry the variant, so a new instance
   * type replaces them: CloudFormation registers the new target after the endpoint update and deletes the old one in
   * its clean-up, which finds it already gone (ScalingHandover took it out first).
   */
  private addScaling(names: Names, settings: Settings): void {
    const resourceId = `endpoint/${names.endpoint}/variant/${names.variant}`;
    // No RoleARN: Application Auto Scaling uses its service-linked role for SageMaker endpoints.
    const target = new appscaling.CfnScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: 'sagemaker',
      resourceId,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: 0,
      maxCapacity: settings.maxInstances,
    });
    target.node.addDependency(this.endpoint);

    new appscaling.CfnScalingPolicy(this, 'BacklogTracking', {
      policyName: `${names.endpoint}-${names.variant}-BacklogPerInstance`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.ref,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: BACKLOG_PER_INSTANCE_TARGET,
        customizedMetricSpecification: {
          namespace: 'AWS/SageMaker',
          metricName: 'ApproximateBacklogSizePerInstance',
          dimensions: [{ name: 'EndpointName', value: names.endpoint }],
          statistic: 'Average',
        },
        scaleInCooldown: SCALE_IN_COOLDOWN_SECONDS,
        scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
      },
    });

    const scaleOutFromZero = new appscaling.CfnScalingPolicy(this, 'ScaleOutFromZero', {
      policyName: `${names.endpoint}-${names.variant}-ScaleOutFromZero`,
      policyType: 'StepScaling',
      scalingTargetId: target.ref,
      stepScalingPolicyConfiguration: {
        adjustmentType: 'ChangeInCapacity',
        cooldown: SCALE_OUT_COOLDOWN_SECONDS,
        metricAggregationType: 'Maximum',
        stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
      },
    });

    const hasBacklog = new cloudwatch.Alarm(this, 'HasBacklogWithoutCapacity', {
      alarmName: names.backlogWithoutCapacityAlarm,
      alarmDescription: 'Work is waiting at an endpoint with no instance: start one (scale out from 0).',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'HasBacklogWithoutCapacity',
        dimensionsMap: { EndpointName: names.endpoint },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    hasBacklog.addAlarmAction({ bind: () => ({ alarmActionArn: scaleOutFromZero.ref }) });
  }
}

/** The inference container: the profile's image at the chosen tag, its backends, and SAM 3D's weights when it runs. */
function modelContainer(
  names: Names,
  settings: Settings,
  repository: ecr.IRepository,
): sagemaker.CfnModel.ContainerDefinitionProperty {
  const profile = PROFILES[settings.profile];
  const sam3d = profile.backend === 'sam3d';
  return {
    // settings.imageTag carries the profile's prefix (gpu-<commit>, cpu-<commit>, sam3d-<commit>) or is `latest`:
    // profiles.ts imageTagFor.
    image: repository.repositoryUriForTag(settings.imageTag),
    mode: 'SingleModel',
    environment: {
      DATA_BUCKET: names.dataBucket,
      GEN3D_BACKENDS: profile.backends,
      MAX_CONCURRENT_INVOCATIONS: String(SEED.maxConcurrentInvocationsPerInstance),
      ...(sam3d ? { GEN3D_SAM3D_MODEL_DIR: MODEL_DIR } : {}),
      // The learned segmenter (decision 0026): fetched from the model bucket at start; absent, the weight-free path.
      ...(settings.segmenter === 'classic'
        ? { GEN3D_SEGMENTER: 'classic' }
        : { SEGMENTATION_MODEL_URI: `s3://${names.modelBucket}/${SEGMENTATION_MODEL_PREFIX}` }),
    },
    // SAM 3D's weights are not in the image: SageMaker copies s3://gen3d-model-bucket/sam3d-model/ to /opt/ml/model.
    ...(sam3d
      ? {
          modelDataSource: {
            s3DataSource: {
              s3Uri: `s3://${names.modelBucket}/sam3d-model/`,
              s3DataType: 'S3Prefix',
              compressionType: 'None',
            },
          },
        }
      : {}),
  };
}

/** Eight hex characters that change whenever the resource's content does (only plain values: no tokens). */
function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}
