import { Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { PUBLIC_PREFIX } from '@gen3d/s3-keys';
import type { Names } from '../names';
import { acknowledgeBucketDeploymentHandler } from '../nag';
import { bundleDir } from '../workspace';

/** The file the web app reads at start to find its API (`{ "apiBase": … }`). */
export const WEB_CONFIG_FILE = 'config.json';

export interface WebStackProps extends StackProps {
  readonly names: Names;
}

/**
 * The web site over HTTPS: CloudFront with origin access control in front of gen3d-data-bucket/public/, and the
 * built app (dist/apps/web) copied there. Replaces the seed's S3 website endpoint, which speaks only HTTP
 * (docs/decisions/0007). The bucket is found by name; its policy (storage stack) lets CloudFront read public/*.
 */
export class WebStack extends Stack {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { names } = props;
    const bucket = s3.Bucket.fromBucketName(this, 'DataBucket', names.dataBucket);

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${names.stacks.web}: the Gen3D web app (s3://${names.dataBucket}/${PUBLIC_PREFIX})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket, {
          originPath: `/${PUBLIC_PREFIX.slice(0, -1)}`,
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });

    new s3deploy.BucketDeployment(this, 'Site', {
      sources: [s3deploy.Source.asset(bundleDir('web', 'index.html'))],
      destinationBucket: bucket,
      destinationKeyPrefix: PUBLIC_PREFIX,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // public/config.json (where the web app finds its API) belongs to the API stack: neither copied nor pruned here.
      exclude: [WEB_CONFIG_FILE],
    });

    // Where the site is, for the API stack (its WEB_URL and CORS origin, and the config.json it writes): SSM
    // parameters read at deploy time, not exports (decision 0006).
    new ssm.StringParameter(this, 'WebOriginParameter', {
      parameterName: names.webOriginParameter,
      stringValue: `https://${this.distribution.distributionDomainName}`,
      description: 'The Gen3D web app origin (CloudFront), read by the API stack',
    });
    new ssm.StringParameter(this, 'DistributionIdParameter', {
      parameterName: names.distributionIdParameter,
      stringValue: this.distribution.distributionId,
      description: 'The Gen3D web distribution, invalidated by the API stack when it rewrites config.json',
    });

    acknowledgeBucketDeploymentHandler(this, names.dataBucket);

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The service is offered worldwide: no geo restriction.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'A static site with no forms posting to CloudFront; uploads go to S3 through signed requests. WAF is a later cost decision.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'No access logs for a static site: CloudFront metrics suffice; enable standard logging with a log bucket if needed.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate: a custom domain with an ACM certificate and TLSv1.2_2021 is a deployment choice (docs/deploy.md).',
    });
  }
}
