import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { EXTRACT_S3_GRANTS, EXTRACT_S3_LISTINGS } from '../access';
import { acknowledgePrefixWildcards, s3ListingStatements, s3Statements } from '../constructs/iam';
import { PipelineFunction } from '../constructs/pipeline-function';
import { sageMakerArnName } from '../names';
import { SEED } from '../seed';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type ExtractStackProps = Gen3DStackProps;

/** SageMaker's async invocation timeout: above the container's per-job timeout (JOB_TIMEOUT_SECONDS 1800). */
export const INVOCATION_TIMEOUT_SECONDS = 3600;

/** Gen3DExtractLambda: an uploaded picture → an inference request → InvokeEndpointAsync. */
export class ExtractStack extends Stack {
  readonly pipelineFunction: PipelineFunction;

  constructor(scope: Construct, id: string, props: ExtractStackProps) {
    super(scope, id, props);
    const { names, settings } = props;
    const buckets = { data: names.dataBucket, model: names.modelBucket };
    this.pipelineFunction = new PipelineFunction(this, 'Extract', {
      project: 'extract-lambda',
      functionName: names.extractFunction,
      roleName: names.extractRole,
      policyName: names.extractPolicy,
      statements: [
        ...s3Statements(EXTRACT_S3_GRANTS, buckets),
        ...s3ListingStatements(EXTRACT_S3_LISTINGS, buckets),
        new iam.PolicyStatement({
          actions: ['sagemaker:InvokeEndpointAsync'],
          resources: [
            this.formatArn({
              service: 'sagemaker',
              resource: 'endpoint',
              resourceName: sageMakerArnName(names.endpoint),
            }),
          ],
        }),
      ],
      ...SEED.extract,
      reservedConcurrency: settings.extractReservedConcurrency,
      environment: {
        SAGEMAKER_ENDPOINT_NAME: names.endpoint,
        DATA_BUCKET: names.dataBucket,
        ADMIN_EMAIL: settings.adminEmail,
        INVOCATION_TIMEOUT_SECONDS: String(INVOCATION_TIMEOUT_SECONDS),
      },
      failureQueueName: names.extractFailureQueue,
      invokingBucket: names.dataBucket,
    });
    acknowledgePrefixWildcards(this.pipelineFunction.role, EXTRACT_S3_GRANTS, buckets);
  }
}
