import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '@gen3d/api';
import { PUBLIC_PREFIX } from '@gen3d/s3-keys';
import { API_S3_GRANTS } from '../access';
import { acknowledgePrefixWildcards, s3Statements } from '../constructs/iam';
import { helperLogGroup } from '../constructs/log-groups';
import type { Names } from '../names';
import { acknowledgeBucketDeploymentHandler, acknowledgeWildcardResource } from '../nag';
import { SEED } from '../seed';
import type { Settings } from '../settings';
import { bundleDir } from '../workspace';
import { mailConfigurationSetArn } from './notify-stack';
import { WEB_CONFIG_FILE } from './web-stack';
import { ApiFirewall } from '../constructs/api-firewall';

export interface ApiStackProps extends StackProps {
  readonly names: Names;
  readonly settings: Settings;
}

/**
 * The API function's size: short requests (sign an upload, list jobs). Its reserved concurrency (default 20, setting
 * apiReservedConcurrency) bounds what abuse can cost.
 */
export const API_FUNCTION = { memoryMb: 512, timeoutSeconds: 10 } as const;

/**
 * The web app's API (apps/api, issue 11): one function behind a function URL, its HMAC token key in Secrets Manager,
 * and the web app's `public/config.json` pointing at the URL. It finds the web app through the SSM parameters the web
 * stack writes (read at deploy time; no exports), or through `gen3d:webOrigin` when given, so it deploys after
 * Gen3DWebStack.
 */
export class ApiStack extends Stack {
  readonly function: lambda.Function;
  readonly functionUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { names, settings } = props;
    const buckets = { data: names.dataBucket, model: names.modelBucket };
    const webOrigin =
      settings.webOrigin ?? ssm.StringParameter.valueForStringParameter(this, names.webOriginParameter);

    const secret = new secretsmanager.Secret(this, 'TokenKey', {
      secretName: names.apiTokenSecret,
      description: 'HMAC key of the Gen3D web API tokens (64 random characters)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the token key signs every session and emailed job link out; it is rotated by hand (docs/deploy.md) when it must be.',
    });

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${names.apiFunction}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const originSecret = settings.apiFirewall ? ApiFirewall.originSecret(this, names) : undefined;
    const sesIdentities = this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    const role = new iam.Role(this, 'Role', {
      roleName: names.apiRole,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        [names.apiPolicy]: new iam.PolicyDocument({
          statements: [
            ...s3Statements(API_S3_GRANTS, buckets),
            new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: [secret.secretArn, ...(originSecret ? [originSecret.secretArn] : [])],
            }),
            new iam.PolicyStatement({
              actions: ['ses:SendEmail', 'ses:SendRawEmail'],
              resources: [sesIdentities, mailConfigurationSetArn(this, names)],
              conditions: { StringEquals: { 'ses:FromAddress': settings.sourceEmail } },
            }),
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });
    acknowledgePrefixWildcards(role, API_S3_GRANTS, buckets);
    acknowledgeWildcardResource(
      role,
      sesIdentities,
      'SES authorizes the sender and, in the SES sandbox, every recipient identity; the condition allows only From the source address.',
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName: names.apiFunction,
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: SEED.handler,
      code: lambda.Code.fromAsset(bundleDir('api', 'lambda_function.js')),
      memorySize: API_FUNCTION.memoryMb,
      timeout: Duration.seconds(API_FUNCTION.timeoutSeconds),
      reservedConcurrentExecutions: settings.apiReservedConcurrency,
      role: role.withoutPolicyUpdates(),
      logGroup,
      environment: {
        DATA_BUCKET: names.dataBucket,
        WEB_URL: `${webOrigin}/`,
        SOURCE_EMAIL: settings.sourceEmail,
        SES_CONFIGURATION_SET: names.mailConfigurationSet,
        TOKEN_SECRET_ARN: secret.secretArn,
        // The deadline of the notify lock POST /confirm takes to email held results.
        REQUEST_TIMEOUT_SECONDS: String(API_FUNCTION.timeoutSeconds),
      },
    });

    this.functionUrl = this.function.addFunctionUrl({
      // The API authenticates its callers itself (signed tokens); the URL is public like the site.
      authType: lambda.FunctionUrlAuthType.NONE,
      cors: {
        allowedOrigins: [webOrigin],
        allowedMethods: [lambda.HttpMethod.GET, lambda.HttpMethod.POST],
        allowedHeaders: ['content-type', 'authorization', 'x-gen3d-access'],
        maxAge: Duration.hours(1),
      },
    });

    // With apiFirewall: the API behind a CloudFront distribution of its own with a WAF rate-based rule; the function
    // then refuses requests that did not come through it (the header CloudFront adds, from a secret).
    let apiUrl = this.functionUrl.url;
    if (originSecret) {
      const firewall = new ApiFirewall(this, 'Firewall', {
        names,
        functionUrl: this.functionUrl,
        rateLimit: settings.apiRateLimit,
        originHeader: ORIGIN_VERIFY_HEADER,
        originSecret,
      });
      this.function.addEnvironment('ORIGIN_VERIFY_SECRET_ARN', originSecret.secretArn);
      apiUrl = firewall.url;
    }
    new ssm.StringParameter(this, 'ApiUrlParameter', {
      parameterName: names.apiUrlParameter,
      stringValue: apiUrl,
      description: 'The Gen3D web API (function URL, or its CloudFront distribution with apiFirewall)',
    });
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'The web API' });

    // The web app reads ./config.json at start to find its API.
    const distributionId = ssm.StringParameter.valueForStringParameter(this, names.distributionIdParameter);
    new s3deploy.BucketDeployment(this, 'WebConfig', {
      sources: [s3deploy.Source.jsonData(WEB_CONFIG_FILE, { apiBase: apiUrl })],
      destinationBucket: s3.Bucket.fromBucketName(this, 'DataBucket', names.dataBucket),
      destinationKeyPrefix: PUBLIC_PREFIX,
      prune: false,
      distribution: cloudfront.Distribution.fromDistributionAttributes(this, 'Distribution', {
        distributionId,
        domainName: Fn.select(2, Fn.split('/', webOrigin)),
      }),
      distributionPaths: [`/${WEB_CONFIG_FILE}`],
      logGroup: helperLogGroup(this, 'DeploymentLogGroup'),
    });
    acknowledgeBucketDeploymentHandler(this, names.dataBucket);
  }
}
