import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { NOTIFY_S3_GRANTS } from '../access';
import { acknowledgePrefixWildcards, s3Statements } from '../constructs/iam';
import { PipelineFunction } from '../constructs/pipeline-function';
import type { Names } from '../names';
import { acknowledgeWildcardResource } from '../nag';
import { SEED } from '../seed';
import type { Gen3DStackProps } from './gen3d-stack-props';

export type NotifyStackProps = Gen3DStackProps;

/** Gen3DNotifyLambda and the two SES identities it sends with: a finished mesh or a failure → one email. */
export class NotifyStack extends Stack {
  readonly pipelineFunction: PipelineFunction;

  constructor(scope: Construct, id: string, props: NotifyStackProps) {
    super(scope, id, props);
    const { names, settings } = props;
    const buckets = { data: names.dataBucket, model: names.modelBucket };

    // SES identities are per account and region: the sandbox stage sends with the production identities.
    if (names.stage === 'production') {
      new ses.EmailIdentity(this, 'AdminEmailIdentity', {
        identity: ses.Identity.email(settings.adminEmail),
      });
      new ses.EmailIdentity(this, 'SourceEmailIdentity', {
        identity: ses.Identity.email(settings.sourceEmail),
      });
    }

    // Every email goes through the configuration set: SES adds bounced and complained-about addresses to the
    // account's suppression list and publishes the reputation metrics the operations stack alarms on.
    new ses.ConfigurationSet(this, 'MailConfigurationSet', {
      configurationSetName: names.mailConfigurationSet,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    const sesIdentities = this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    this.pipelineFunction = new PipelineFunction(this, 'Notify', {
      project: 'notify-lambda',
      functionName: names.notifyFunction,
      roleName: names.notifyRole,
      policyName: names.notifyPolicy,
      statements: [
        ...s3Statements(NOTIFY_S3_GRANTS, buckets),
        // SES checks the sender's identity and, in the SES sandbox, each recipient's: any identity of the account,
        // but only ever From the source address.
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [sesIdentities, mailConfigurationSetArn(this, names)],
          conditions: { StringEquals: { 'ses:FromAddress': settings.sourceEmail } },
        }),
      ],
      ...SEED.notify,
      reservedConcurrency: settings.notifyReservedConcurrency,
      environment: {
        DATA_BUCKET: names.dataBucket,
        ADMIN_EMAIL: settings.adminEmail,
        SOURCE_EMAIL: settings.sourceEmail,
        SES_CONFIGURATION_SET: names.mailConfigurationSet,
        LINK_EXPIRY_SECONDS: String(settings.linkExpirySeconds),
        // Until when the email says the files stay: what the lifecycle rules keep them (retention.ts).
        RETENTION_DAYS: String(settings.retentionDays),
        // With the site's origin known, emails of web-API uploads link to the job in the web app.
        ...(settings.webOrigin ? { WEB_URL: `${settings.webOrigin}/` } : {}),
      },
      failureQueueName: names.notifyFailureQueue,
      invokingBucket: names.dataBucket,
    });
    acknowledgePrefixWildcards(this.pipelineFunction.role, NOTIFY_S3_GRANTS, buckets);
    acknowledgeWildcardResource(
      this.pipelineFunction.role,
      sesIdentities,
      'SES authorizes the sender and, in the SES sandbox, every recipient identity; the condition allows only From the source address.',
    );
  }
}

/** The configuration set's ARN: SendEmail through a configuration set is authorized on it too. */
export function mailConfigurationSetArn(stack: Stack, names: Names): string {
  return stack.formatArn({
    service: 'ses',
    resource: 'configuration-set',
    resourceName: names.mailConfigurationSet,
  });
}
