import { ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import { API_S3_GRANTS, API_S3_LISTINGS } from '../access';
import { acknowledgePrefixWildcards, s3ListingStatements, s3Statements } from '../constructs/iam';
import { helperLogGroup } from '../constructs/log-groups';
import { PublicDeploymentRole } from '../constructs/public-deployment-role';
import { CHECKOV_REASONS, skipCheckov } from '../checkov';
import { hmacKeySecret } from '../constructs/hmac-key-secret';
import { API_FUNCTION, type Names } from '../names';
import { acknowledgeBucketDeploymentHandler, acknowledgeWildcardResource } from '../nag';
import { SEED } from '../seed';
import type { Settings } from '../settings';
import { bundleDir } from '../workspace';
import { mailConfigurationSetArn } from './notify-stack';
import { WEB_CONFIG_FILE } from './web-stack';
import { ApiFirewall } from '../constructs/api-firewall';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type ApiStackProps = Gen3DStackProps;

/**
 * The web app's API (apps/api-lambda, issue 11): one function behind a function URL, its HMAC token key in Secrets Manager,
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
    const webOrigin =
      settings.webOrigin ?? ssm.StringParameter.valueForStringParameter(this, names.webOriginParameter);

    const secret = this.addTokenKey(names);
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${names.apiFunction}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const originSecret = settings.apiFirewall ? ApiFirewall.originSecret(this, names) : undefined;
    // The download link key is the notify stack's (deployed before this one): read by name (Secrets Manager adds six
    // characters to a secret's ARN), never written.
    const downloadKeyArn = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${names.downloadKeySecret}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const secrets = { own: [secret, ...(originSecret ? [originSecret] : [])], downloadKeyArn };
    const role = this.addRole(names, settings, secrets, logGroup);
    this.function = new lambda.Function(this, 'Function', {
      functionName: names.apiFunction,
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: SEED.handler,
      code: lambda.Code.fromAsset(bundleDir('api-lambda', 'lambda_function.js')),
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
        // GET /downloads/{token}: the links of the emails (decision 0038).
        DOWNLOAD_KEY_SECRET_ARN: names.downloadKeySecret,
        // Its own URL (the parameter publishApiUrl writes), for the download links of the results POST /confirm sends.
        API_URL_PARAMETER: names.downloadLinksUrlParameter,
        // The deadline of the notify lock POST /confirm takes to email held results.
        REQUEST_TIMEOUT_SECONDS: String(API_FUNCTION.timeoutSeconds),
        // The jobs' "kept until": what the lifecycle rules keep their files (retention.ts).
        RETENTION_DAYS: String(settings.retentionDays),
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

    const apiUrl = originSecret ? this.addFirewall(names, settings, originSecret) : this.functionUrl.url;
    this.publishApiUrl(names, apiUrl, webOrigin);
    this.acceptCheckovFindings(logGroup);
  }

  /** The checkov findings the API accepts, each with the reason. */
  private acceptCheckovFindings(logGroup: logs.LogGroup): void {
    skipCheckov(logGroup, 'CKV_AWS_158', CHECKOV_REASONS.logsAtRest);
    skipCheckov(
      this.function,
      'CKV_AWS_116',
      'Invoked synchronously through its function URL: the caller gets the error, there is no event to dead-letter.',
    );
    skipCheckov(this.function, 'CKV_AWS_117', CHECKOV_REASONS.noVpc);
    skipCheckov(this.function, 'CKV_AWS_173', CHECKOV_REASONS.environmentAtRest);
    skipCheckov(
      this.functionUrl,
      'CKV_AWS_258',
      'The public web API: it authenticates each call itself (signed session tokens, decision 0025); with apiFirewall only requests carrying the CloudFront origin secret are served.',
    );
  }

  /** The HMAC key of the API's tokens, generated by Secrets Manager. */
  private addTokenKey(names: Names): secretsmanager.Secret {
    return hmacKeySecret(this, 'TokenKey', {
      secretName: names.apiTokenSecret,
      signs: 'the Gen3D web API tokens',
      rotationEnds: 'signs every session and emailed job link out',
      readers: 'the API role',
    });
  }

  /** The function's role: its S3 grants, the secrets it reads, mail from the source address, its own log group. */
  private addRole(
    names: Names,
    settings: Settings,
    secrets: { own: secretsmanager.ISecret[]; downloadKeyArn: string },
    logGroup: logs.LogGroup,
  ): iam.Role {
    const buckets = { data: names.dataBucket, model: names.modelBucket };
    const sesIdentities = this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    const role = new iam.Role(this, 'Role', {
      roleName: names.apiRole,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        [names.apiPolicy]: new iam.PolicyDocument({
          statements: [
            ...s3Statements(API_S3_GRANTS, buckets),
            ...s3ListingStatements(API_S3_LISTINGS, buckets),
            new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: secrets.own.map((secret) => secret.secretArn),
            }),
            new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: [secrets.downloadKeyArn],
            }),
            new iam.PolicyStatement({
              actions: ['ssm:GetParameter'],
              resources: [
                this.formatArn({
                  service: 'ssm',
                  resource: 'parameter',
                  resourceName: names.downloadLinksUrlParameter.replace(/^\//, ''),
                }),
              ],
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
    return role;
  }

  /**
   * With apiFirewall: the API behind a CloudFront distribution of its own with a WAF rate-based rule; the function
   * then refuses requests that did not come through it (the header CloudFront adds, from a secret). Returns the
   * distribution's URL.
   */
  private addFirewall(names: Names, settings: Settings, originSecret: secretsmanager.ISecret): string {
    const firewall = new ApiFirewall(this, 'Firewall', {
      names,
      functionUrl: this.functionUrl,
      rateLimit: settings.apiRateLimit,
      originHeader: ORIGIN_VERIFY_HEADER,
      originSecret,
    });
    this.function.addEnvironment('ORIGIN_VERIFY_SECRET_ARN', originSecret.secretArn);
    return firewall.url;
  }

  /** The API's URL as an SSM parameter, a stack output and the web app's `public/config.json`. */
  private publishApiUrl(names: Names, apiUrl: string, webOrigin: string): void {
    new ssm.StringParameter(this, 'ApiUrlParameter', {
      parameterName: names.apiUrlParameter,
      stringValue: apiUrl,
      description: 'The Gen3D web API (function URL, or its CloudFront distribution with apiFirewall)',
    });
    // Written only once the function that answers GET /downloads/{token} is deployed (the explicit dependency): its
    // existence tells the notify function, deployed hours earlier, that it may email links to this API.
    const downloadLinks = new ssm.StringParameter(this, 'DownloadLinksUrlParameter', {
      parameterName: names.downloadLinksUrlParameter,
      stringValue: apiUrl,
      description: "The Gen3D web API, once it redeems the emails' download links (GET /downloads/{token})",
    });
    downloadLinks.node.addDependency(this.function);
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'The web API' });

    // The web app reads ./config.json at start to find its API.
    const distributionId = ssm.StringParameter.valueForStringParameter(this, names.distributionIdParameter);
    const logGroup = helperLogGroup(this, 'DeploymentLogGroup');
    const deployer = new PublicDeploymentRole(this, 'DeploymentRole', {
      dataBucket: names.dataBucket,
      distributionArn: this.formatArn({
        service: 'cloudfront',
        region: '',
        resource: 'distribution',
        resourceName: distributionId,
      }),
      logGroup,
    });
    new s3deploy.BucketDeployment(this, 'WebConfig', {
      sources: [deployer.readable(s3deploy.Source.jsonData(WEB_CONFIG_FILE, { apiBase: apiUrl }))],
      destinationBucket: s3.Bucket.fromBucketName(this, 'DataBucket', names.dataBucket),
      destinationKeyPrefix: PUBLIC_PREFIX,
      prune: false,
      distribution: cloudfront.Distribution.fromDistributionAttributes(this, 'Distribution', {
        distributionId,
        domainName: Fn.select(2, Fn.split('/', webOrigin)),
      }),
      distributionPaths: [`/${WEB_CONFIG_FILE}`],
      logGroup,
      role: deployer.role,
    });
    acknowledgeBucketDeploymentHandler(this);
  }
}
