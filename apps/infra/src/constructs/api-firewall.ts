import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { skipCheckov } from '../checkov';
import type { Names } from '../names';

export interface ApiFirewallProps {
  readonly names: Names;
  readonly functionUrl: lambda.IFunctionUrl;
  /** Requests one client IP may make in 5 minutes before WAF blocks it. */
  readonly rateLimit: number;
  /** The header CloudFront adds with the origin secret (the API refuses requests without it). */
  readonly originHeader: string;
  readonly originSecret: secretsmanager.ISecret;
}

/**
 * The web API behind a CloudFront distribution of its own with a WAF web ACL (setting apiFirewall): a rate-based
 * rule per client IP and Amazon's IP reputation list. A function URL cannot take a web ACL itself, and it stays
 * public, so CloudFront adds a secret header that the function requires (ORIGIN_VERIFY_SECRET_ARN): calls around
 * the distribution are refused. CLOUDFRONT-scoped web ACLs live in us-east-1, the region of these stacks.
 */
export class ApiFirewall extends Construct {
  readonly url: string;

  /** The secret CloudFront sends and the function checks (created before the function's role, which reads it). */
  static originSecret(scope: Stack, names: Names): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(scope, 'OriginVerifySecret', {
      secretName: names.apiOriginSecret,
      description:
        'The header value CloudFront adds to Gen3D API requests (the API refuses requests without it)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotated by redeploying with a new secret; CloudFront reads it at deploy time.',
    });
    skipCheckov(
      secret,
      'CKV_AWS_149',
      'Encrypted with the Secrets Manager AWS-managed key: the value is also written into the distribution’s origin headers at deploy time, so a customer key would protect nothing more.',
    );
    return secret;
  }

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const { names } = props;
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.apiFirewall,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('gen3d-api'),
      rules: [
        {
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('gen3d-api-rate'),
        },
        {
          name: 'ip-reputation',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' },
          },
          visibilityConfig: visibility('gen3d-api-reputation'),
        },
      ],
    });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${names.stacks.api}: the Gen3D web API behind WAF`,
      defaultBehavior: {
        origin: new origins.FunctionUrlOrigin(props.functionUrl, {
          customHeaders: { [props.originHeader]: props.originSecret.secretValue.unsafeUnwrap() },
          readTimeout: Duration.seconds(30),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      webAclId: acl.attrArn,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${distribution.distributionDomainName}/`;
    skipCheckov(
      acl,
      'CKV_AWS_192',
      'The Log4j rule set guards Java: the API is a Node.js function with no Java anywhere on the request path.',
    );
    skipCheckov(
      distribution,
      'CKV_AWS_86',
      'No CloudFront access logs (a log bucket and its cost): WAF samples requests and CloudFront metrics count them; the function logs each call.',
    );
    skipCheckov(
      distribution,
      'CKV_AWS_174',
      'The default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; a custom domain with an ACM certificate and TLSv1.2_2021 is a deployment choice (docs/deploy.md).',
    );
    for (const [rule, reason] of [
      ['AwsSolutions-CFR1', 'The API serves the web app worldwide: no geo restriction.'],
      [
        'AwsSolutions-CFR3',
        'No access logs: WAF sampled requests and CloudFront metrics suffice for the API.',
      ],
      [
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate (a custom domain is a deployment choice).',
      ],
      ['AwsSolutions-CFR5', 'The origin is a Lambda function URL, reached over HTTPS (TLS 1.2) only.'],
    ] as const) {
      Validations.of(distribution).acknowledge({ id: rule, reason });
    }
  }
}
