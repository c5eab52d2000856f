import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Names } from '../names';

// The metrics the operations stack watches, found by the seed's fixed names (no reference to another stack).

/** A Lambda function's metric over 5 minutes. */
export function lambdaMetric(metricName: string, functionName: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: functionName },
    statistic,
    period: Duration.minutes(5),
  });
}

/** The endpoint's metric over 5 minutes: of its one variant, or (variant false) of the endpoint as a whole. */
export function endpointMetric(
  names: Names,
  metricName: string,
  statistic: string,
  variant = true,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName,
    dimensionsMap: variant
      ? { EndpointName: names.endpoint, VariantName: names.variant }
      : { EndpointName: names.endpoint },
    statistic,
    period: Duration.minutes(5),
  });
}

/** The most messages waiting in a queue over 5 minutes. */
export function queueDepthMetric(queueName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensionsMap: { QueueName: queueName },
    statistic: 'Maximum',
    period: Duration.minutes(5),
  });
}

/** A request metric of the data bucket's `EntireBucket` filter (setting s3RequestMetrics), summed over 5 minutes. */
export function dataBucketRequestMetric(names: Names, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/S3',
    metricName,
    dimensionsMap: { BucketName: names.dataBucket, FilterId: 'EntireBucket' },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}
