import type { Names } from '../names';
import type { Settings } from '../settings';

/** Lambda keeps this much of the account's concurrency unreserved (AWS Lambda developer guide, reserved concurrency). */
export const UNRESERVED_MINIMUM = 100;

/** A fact read from the account, or why it could not be read (no permission, no such API in the region…). */
export type Fact<T> =
  { readonly known: true; readonly value: T } | { readonly known: false; readonly why: string };

export type BucketState = 'free' | 'yours' | 'taken';
export type IdentityState = 'absent' | 'pending' | 'verified';

/** What preflight reads from the account with the deployer's credentials. */
export interface AccountFacts {
  readonly lambda: Fact<{ readonly concurrencyQuota: number; readonly unreserved: number }>;
  readonly ses: Fact<{
    readonly productionAccess: boolean;
    readonly sendingEnabled: boolean;
    readonly max24HourSend: number;
  }>;
  /** Service Quotas: "<instance type> for endpoint usage". */
  readonly sageMakerInstances: Fact<number>;
  readonly buckets: ReadonlyArray<{ readonly name: string; readonly state: Fact<BucketState> }>;
  readonly identities: ReadonlyArray<{ readonly identity: string; readonly state: Fact<IdentityState> }>;
}

/** The production stage creates the SES identities (notify stack); the sandbox sends with production's. */
function identitiesCreatedBy(settings: Settings): boolean {
  return settings.stage === 'production';
}

export interface Finding {
  /** `block`: the deploy would fail (exit 1); `act`: it deploys, but something needs doing; `ok`: nothing to do. */
  readonly level: 'ok' | 'act' | 'block';
  readonly line: string;
}

export interface PreflightOptions {
  /** A first deploy into this account: a bucket or identity that already exists makes CloudFormation's create fail. */
  readonly firstDeploy: boolean;
}

/** The functions' reserved concurrency in total (settings; `none` reserves nothing). */
export function reservedConcurrencyOf(settings: Settings): number {
  return [
    settings.extractReservedConcurrency,
    settings.notifyReservedConcurrency,
    settings.apiReservedConcurrency,
  ]
    .map((value) => value ?? 0)
    .reduce((a, b) => a + b, 0);
}

const unknown = (what: string, why: string): Finding => ({
  level: 'act',
  line: `${what}: could not be read (${why}); check it by hand before deploying`,
});

function lambdaFinding(facts: AccountFacts, settings: Settings): Finding {
  const reserved = reservedConcurrencyOf(settings);
  if (!facts.lambda.known) return unknown('Lambda concurrency quota', facts.lambda.why);
  const { concurrencyQuota, unreserved } = facts.lambda.value;
  if (reserved === 0) {
    return {
      level: 'ok',
      line: `Lambda: nothing reserved; the functions share the account's ${concurrencyQuota}`,
    };
  }
  const needed = reserved + UNRESERVED_MINIMUM;
  if (concurrencyQuota < needed) {
    return {
      level: 'block',
      line:
        `Lambda concurrency quota is ${concurrencyQuota}; the reserved concurrency (${reserved}) needs ${needed}: ` +
        `request "Concurrent executions" ≥ ${needed} in Service Quotas, or set GEN3D_EXTRACT_RESERVED_CONCURRENCY, ` +
        `GEN3D_NOTIFY_RESERVED_CONCURRENCY and GEN3D_API_RESERVED_CONCURRENCY lower (or to none)`,
    };
  }
  if (unreserved - UNRESERVED_MINIMUM < reserved) {
    return {
      level: 'act',
      line:
        `Lambda: ${unreserved} of ${concurrencyQuota} is unreserved; other functions' reservations leave less than ` +
        `the ${reserved} Gen3D reserves (fine if they are Gen3D's own from an earlier deploy)`,
    };
  }
  return { level: 'ok', line: `Lambda concurrency quota ${concurrencyQuota} ≥ ${needed}` };
}

function sesFindings(facts: AccountFacts): Finding[] {
  if (!facts.ses.known) return [unknown('SES account', facts.ses.why)];
  const { productionAccess, sendingEnabled, max24HourSend } = facts.ses.value;
  const findings: Finding[] = [];
  if (!sendingEnabled) {
    findings.push({ level: 'act', line: 'SES sending is disabled for this account: no email will leave' });
  }
  findings.push(
    productionAccess
      ? { level: 'ok', line: `SES production access, ${max24HourSend} emails a day` }
      : {
          level: 'act',
          line:
            'SES is in the sandbox: only verified addresses receive email; request production access ' +
            '(SES console → Account dashboard) before users upload',
        },
  );
  return findings;
}

function sageMakerFinding(facts: AccountFacts, settings: Settings): Finding {
  const quota = `SageMaker "${settings.instanceType} for endpoint usage"`;
  if (!facts.sageMakerInstances.known) return unknown(quota, facts.sageMakerInstances.why);
  const value = facts.sageMakerInstances.value;
  if (value < 1) {
    return {
      level: 'block',
      line: `${quota} is ${value}: request ≥ ${settings.maxInstances} in Service Quotas`,
    };
  }
  if (value < settings.maxInstances) {
    return {
      level: 'act',
      line: `${quota} is ${value}; auto scaling goes to ${settings.maxInstances}: request more or set GEN3D_MAX_INSTANCES=${value}`,
    };
  }
  return { level: 'ok', line: `${quota} is ${value} ≥ ${settings.maxInstances}` };
}

function bucketFinding(bucket: AccountFacts['buckets'][number], options: PreflightOptions): Finding {
  if (!bucket.state.known) return unknown(`bucket ${bucket.name}`, bucket.state.why);
  switch (bucket.state.value) {
    case 'free':
      return { level: 'ok', line: `bucket ${bucket.name} is free` };
    case 'taken':
      return {
        level: 'block',
        line: `bucket ${bucket.name} belongs to another account (or these credentials may not read it): set GEN3D_DATA_BUCKET_NAME / GEN3D_MODEL_BUCKET_NAME`,
      };
    case 'yours':
      return options.firstDeploy
        ? {
            level: 'block',
            line: `bucket ${bucket.name} already exists in this account: a first deploy cannot create it; delete it or choose another name`,
          }
        : { level: 'ok', line: `bucket ${bucket.name} is yours` };
  }
}

function identityFinding(
  entry: AccountFacts['identities'][number],
  options: PreflightOptions,
  createdByStack: boolean,
): Finding {
  const what = `SES identity ${entry.identity}`;
  if (!entry.state.known) return unknown(what, entry.state.why);
  if (!createdByStack) {
    return entry.state.value === 'verified'
      ? { level: 'ok', line: `${what} is verified` }
      : {
          level: 'act',
          line: `${what} is ${entry.state.value}: the sandbox stage sends with production's identities; create and verify it`,
        };
  }
  switch (entry.state.value) {
    case 'absent':
      return {
        level: 'ok',
        line: `${what} will be created: click the link SES then emails to it`,
      };
    case 'pending':
      return options.firstDeploy
        ? {
            level: 'block',
            line: `${what} already exists (pending): a first deploy cannot create it; delete it`,
          }
        : { level: 'act', line: `${what} is not verified yet: click the link SES emailed to it` };
    case 'verified':
      return options.firstDeploy
        ? { level: 'block', line: `${what} already exists: a first deploy cannot create it; delete it first` }
        : { level: 'ok', line: `${what} is verified` };
  }
}

/**
 * What a deploy with these settings would meet in this account (seed §18's checklist), one finding a line.
 *
 * @example assessDeployment(facts, settings, names, { firstDeploy: true }).some((f) => f.level === 'block')
 */
export function assessDeployment(
  facts: AccountFacts,
  settings: Settings,
  names: Names,
  options: PreflightOptions,
): Finding[] {
  const stage: Finding = { level: 'ok', line: `stage ${settings.stage}: data bucket ${names.dataBucket}` };
  return [
    stage,
    lambdaFinding(facts, settings),
    ...sesFindings(facts),
    sageMakerFinding(facts, settings),
    ...facts.buckets.map((bucket) => bucketFinding(bucket, options)),
    ...facts.identities.map((identity) => identityFinding(identity, options, identitiesCreatedBy(settings))),
  ];
}
