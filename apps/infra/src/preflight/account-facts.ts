import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListServiceQuotasCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Names } from '../names';
import type { Settings } from '../settings';
import type { AccountFacts, BucketState, Fact, IdentityState } from './findings';

/** The SDK clients preflight reads with: the deployer's credentials, the deployment's region. */
export interface PreflightClients {
  readonly lambda: LambdaClient;
  readonly ses: SESv2Client;
  readonly quotas: ServiceQuotasClient;
  readonly s3: S3Client;
  readonly sts: STSClient;
}

async function fact<T>(read: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { known: true, value: await read() };
  } catch (error) {
    const { name, message } = error as Error;
    return { known: false, why: `${name}: ${message.split('\n')[0]}`.slice(0, 200) };
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** HeadBucket as the account: 200 = ours; 404 = nobody's; 403 = someone else's (S3 does not say whose). */
async function bucketState(s3: S3Client, bucket: string, account: string): Promise<BucketState> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    return 'yours';
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return 'free';
    if (status === 403) return 'taken';
    throw error;
  }
}

async function identityState(ses: SESv2Client, identity: string): Promise<IdentityState> {
  try {
    const found = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
    return found.VerifiedForSendingStatus ? 'verified' : 'pending';
  } catch (error) {
    if ((error as Error).name === 'NotFoundException' || statusOf(error) === 404) return 'absent';
    throw error;
  }
}

/** Service Quotas names SageMaker's per-type endpoint quotas "ml.g4dn.xlarge for endpoint usage". */
async function endpointInstanceQuota(quotas: ServiceQuotasClient, instanceType: string): Promise<number> {
  const wanted = `${instanceType} for endpoint usage`;
  let nextToken: string | undefined;
  do {
    const page = await quotas.send(
      new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', NextToken: nextToken }),
    );
    const quota = page.Quotas?.find((q) => q.QuotaName === wanted);
    if (quota?.Value !== undefined) return quota.Value;
    nextToken = page.NextToken;
  } while (nextToken);
  throw new Error(`no SageMaker quota named "${wanted}" in this region`);
}

/** Reads everything preflight judges; a fact that cannot be read says why instead of stopping the rest. */
export async function readAccountFacts(
  clients: PreflightClients,
  settings: Settings,
  names: Names,
): Promise<AccountFacts> {
  const account = await clients.sts.send(new GetCallerIdentityCommand({}));
  const accountId = account.Account ?? '';
  const [lambda, ses, sageMakerInstances] = await Promise.all([
    fact(async () => {
      const { AccountLimit } = await clients.lambda.send(new GetAccountSettingsCommand({}));
      return {
        concurrencyQuota: AccountLimit?.ConcurrentExecutions ?? 0,
        unreserved: AccountLimit?.UnreservedConcurrentExecutions ?? 0,
      };
    }),
    fact(async () => {
      const found = await clients.ses.send(new GetAccountCommand({}));
      return {
        productionAccess: found.ProductionAccessEnabled === true,
        sendingEnabled: found.SendingEnabled !== false,
        max24HourSend: found.SendQuota?.Max24HourSend ?? 0,
      };
    }),
    fact(() => endpointInstanceQuota(clients.quotas, settings.instanceType)),
  ]);
  const bucketNames = [names.dataBucket, names.modelBucket];
  if (settings.cloudTrail) bucketNames.push(names.auditBucket);
  if (settings.s3AccessLogs) bucketNames.push(names.accessLogBucket);
  const buckets = await Promise.all(
    bucketNames.map(async (name) => ({
      name,
      state: await fact(() => bucketState(clients.s3, name, accountId)),
    })),
  );
  const identities = await Promise.all(
    [settings.sourceEmail, settings.adminEmail].map(async (identity) => ({
      identity,
      state: await fact(() => identityState(clients.ses, identity)),
    })),
  );
  return { lambda, ses, sageMakerInstances, buckets, identities };
}
