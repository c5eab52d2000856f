import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { PUBLIC_PREFIX } from '@gen3d/s3-keys';
import { skipCheckov } from '../checkov';
import { helperLogGroup } from '../constructs/log-groups';
import { PublicDeploymentRole } from '../constructs/public-deployment-role';
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
        responseHeadersPolicy: siteHeaders(this, names),
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });

    const logGroup = helperLogGroup(this, 'DeploymentLogGroup');
    const deployer = new PublicDeploymentRole(this, 'DeploymentRole', {
      dataBucket: names.dataBucket,
      distributionArn: this.distribution.distributionArn,
      logGroup,
    });
    new s3deploy.BucketDeployment(this, 'Site', {
      sources: [deployer.readable(s3deploy.Source.asset(bundleDir('web', 'index.html')))],
      destinationBucket: bucket,
      destinationKeyPrefix: PUBLIC_PREFIX,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // public/config.json (where the web app finds its API) belongs to the API stack: neither copied nor pruned here.
      exclude: [WEB_CONFIG_FILE],
      logGroup,
      role: deployer.role,
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

    acknowledgeBucketDeploymentHandler(this);
    this.acceptCheckovFindings();

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

  /** The checkov findings the site's distribution accepts: the reasons of cdk-nag's CFR2, CFR3 and CFR4 above. */
  private acceptCheckovFindings(): void {
    skipCheckov(
      this.distribution,
      'CKV_AWS_68',
      'A static site read-only from S3 (GET and HEAD only): no forms post to CloudFront, uploads go to S3 through signed requests, the API has its own WAF option (apiFirewall). A web ACL here is a later cost decision.',
    );
    skipCheckov(
      this.distribution,
      'CKV_AWS_86',
      'No access logs for a static site (a log bucket and its cost): CloudFront metrics count requests and errors.',
    );
    skipCheckov(
      this.distribution,
      'CKV_AWS_174',
      'The default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; a custom domain with an ACM certificate and TLSv1.2_2021 is a deployment choice (docs/deploy.md).',
    );
  }
}

/**
 * The site's security headers, as the local stack sends them: a Content-Security-Policy (scripts from the site only;
 * connections to the site, the API and the data bucket's signed links; no framing), nosniff, no referrer (capability
 * links stay out of Referer headers), HSTS.
 */
function siteHeaders(scope: Stack, names: Names): cloudfront.ResponseHeadersPolicy {
  const region = scope.region;
  const connect = [
    "'self'",
    `https://*.lambda-url.${region}.on.aws`,
    'https://*.cloudfront.net',
    `https://${names.dataBucket}.s3.amazonaws.com`,
    `https://${names.dataBucket}.s3.${region}.amazonaws.com`,
  ].join(' ');
  return new cloudfront.ResponseHeadersPolicy(scope, 'SiteHeaders', {
    comment: 'Gen3D web app: CSP, nosniff, no referrer, no framing, HSTS',
    securityHeadersBehavior: {
      contentSecurityPolicy: {
        contentSecurityPolicy:
          `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; ` +
          `connect-src ${connect}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: true,
        override: true,
      },
    },
  });
}
