import { FAILURE_QUEUE_NAMES } from '@gen3d/s3-keys';
import { SEED } from './seed';
import { SettingsError, type Settings } from './settings';

/**
 * The API function's size: short requests (sign an upload, list jobs). Its reserved concurrency (default 20, setting
 * apiReservedConcurrency) bounds what abuse can cost. Here, beside the function's name, because two stacks read it:
 * the API stack, which makes the function, and the operations stack, whose Config rule checks its memory and timeout.
 * Were it in api-stack.ts, every change to the API stack (or to the notify and web modules it imports) would deploy
 * the operations stack too (deploy-projects.ts follows imports).
 */
export const API_FUNCTION = { memoryMb: 512, timeoutSeconds: 10 } as const;

/**
 * Every physical name the stacks use. Production uses the seed's names; the sandbox stage prefixes them
 * (`Sandbox-Gen3DExtractLambda`, `sandbox-gen3d-data-bucket`), so both can live in one account. Stacks refer to each
 * other only through these names (never CloudFormation exports), so each stack deploys on its own. The two bucket
 * names are settings (S3 names are global); the audit and replica buckets' names derive from the data bucket's.
 */
export interface Names {
  readonly stage: Settings['stage'];
  readonly stacks: {
    readonly storage: string;
    readonly inference: string;
    readonly extract: string;
    readonly notify: string;
    readonly web: string;
    readonly api: string;
    readonly operations: string;
    readonly replica: string;
  };
  readonly dataBucket: string;
  readonly modelBucket: string;
  readonly replicaBucket: string;
  readonly auditBucket: string;
  /** Server access logs of the data and model buckets (setting s3AccessLogs). */
  readonly accessLogBucket: string;
  readonly ecrRepository: string;
  readonly sageMakerRole: string;
  readonly sageMakerPolicy: string;
  readonly extractRole: string;
  readonly extractPolicy: string;
  readonly notifyRole: string;
  readonly notifyPolicy: string;
  readonly apiRole: string;
  readonly apiPolicy: string;
  readonly replicationRole: string;
  readonly model: string;
  readonly endpointConfig: string;
  readonly endpoint: string;
  /** The endpoint's one production variant: named after its instance type (variantNameFor). */
  readonly variant: string;
  readonly extractFunction: string;
  readonly notifyFunction: string;
  readonly apiFunction: string;
  readonly extractFailureQueue: string;
  readonly notifyFailureQueue: string;
  readonly applicationLogGroup: string;
  readonly extractErrorsAlarm: string;
  readonly modelLatencyAlarm: string;
  readonly backlogWithoutCapacityAlarm: string;
  readonly extractFailuresAlarm: string;
  readonly notifyFailuresAlarm: string;
  readonly dashboard: string;
  readonly alarmTopic: string;
  readonly trail: string;
  readonly apiTokenSecret: string;
  /** The HMAC key of the emails' download links: made by the notify stack, read by the notify function and the API. */
  readonly downloadKeySecret: string;
  readonly webOriginParameter: string;
  readonly distributionIdParameter: string;
  readonly apiUrlParameter: string;
  /**
   * The API's URL once more, written by the API stack only after its function (with `GET /downloads/{token}`) is
   * deployed: until it exists, the notify function mails presigned links (decision 0038).
   */
  readonly downloadLinksUrlParameter: string;
  /** The SES configuration set every email goes through: suppression list, bounce and complaint metrics. */
  readonly mailConfigurationSet: string;
  readonly bounceRateAlarm: string;
  readonly complaintRateAlarm: string;
  /** The optional WAF web ACL in front of the API (setting apiFirewall) and the API's CloudFront header secret. */
  readonly apiFirewall: string;
  readonly apiOriginSecret: string;
}

/** What the names depend on: the stage, the chosen bucket names, and the instance type (the seed's unless given). */
export type NameSettings = Pick<Settings, 'stage' | 'dataBucketName' | 'modelBucketName'> &
  Partial<Pick<Settings, 'instanceType'>>;

/** The seed's instance type: what the variant is named after when no instance type is given. */
const SEED_INSTANCE_TYPE = 'ml.g4dn.xlarge';

/**
 * The production variant's name: the seed's `AllTraffic` and the instance type, so that a change of instance type is
 * a new variant with a scalable target of its own (docs/decisions/0029: SageMaker refuses to change the instance type
 * of a variant registered with Application Auto Scaling). Variant names allow letters, digits and hyphens.
 *
 * @example variantNameFor('ml.g4dn.xlarge') // 'AllTraffic-g4dn-xlarge'
 */
export function variantNameFor(instanceType: string): string {
  return `AllTraffic-${instanceType.replace(/^ml\./, '').replace(/[^A-Za-z0-9]+/g, '-')}`;
}

const SEED_NAMES: NameSettings = {
  stage: 'production',
  dataBucketName: SEED.dataBucketName,
  modelBucketName: SEED.modelBucketName,
};

/**
 * The audit bucket of a data bucket: the seed's deployment keeps the name it has always had (`gen3d-audit-bucket`);
 * any other data bucket `x` gets `x-audit`, so a deployer who chose a free data bucket name is not stopped by the
 * audit bucket's.
 */
export function auditBucketOf(dataBucketName: string): string {
  return dataBucketName === SEED.dataBucketName ? 'gen3d-audit-bucket' : `${dataBucketName}-audit`;
}

export function replicaBucketOf(dataBucketName: string): string {
  return `${dataBucketName}-replica-${SEED.replicaRegion}`;
}

/** S3 bucket names have at most 63 characters; a derived name can pass that where the chosen one did not. */
function checkBucketLengths(names: Names): void {
  const buckets = [
    names.dataBucket,
    names.modelBucket,
    names.replicaBucket,
    names.auditBucket,
    names.accessLogBucket,
  ];
  const tooLong = buckets.filter((name) => name.length > 63);
  if (tooLong.length > 0) {
    throw new SettingsError(
      `bucket names longer than S3's 63 characters: ${tooLong.join(', ')} (choose a shorter gen3d:dataBucketName)`,
    );
  }
}

/** @throws SettingsError when a derived bucket name is longer than S3 allows */
export function namesFor(settings: NameSettings = SEED_NAMES): Names {
  const names = buildNames(settings);
  checkBucketLengths(names);
  return names;
}

function buildNames({ stage, dataBucketName, modelBucketName, instanceType }: NameSettings): Names {
  const upper = (name: string) => (stage === 'production' ? name : `Sandbox-${name}`);
  const lower = (name: string) => (stage === 'production' ? name : `sandbox-${name}`);
  return {
    stage,
    stacks: {
      storage: upper('Gen3DStorageStack'),
      inference: upper('Gen3DInferenceStack'),
      extract: upper('Gen3DExtractStack'),
      notify: upper('Gen3DNotifyStack'),
      web: upper('Gen3DWebStack'),
      api: upper('Gen3DApiStack'),
      operations: upper('Gen3DOperationsStack'),
      replica: upper('Gen3DReplicaStack'),
    },
    dataBucket: lower(dataBucketName),
    modelBucket: lower(modelBucketName),
    replicaBucket: lower(replicaBucketOf(dataBucketName)),
    auditBucket: lower(auditBucketOf(dataBucketName)),
    accessLogBucket: lower(`${dataBucketName}-access-logs`),
    // One image repository per account (ecr-push.sh pushes there): the sandbox runs images from it too.
    ecrRepository: 'gen3d-sam3d-inference',
    sageMakerRole: upper('Gen3DSageMakerExecutionRole'),
    sageMakerPolicy: upper('Gen3DSageMakerPolicy'),
    extractRole: upper('Gen3DLambdaExtractRole'),
    extractPolicy: upper('Gen3DLambdaExtractPolicy'),
    notifyRole: upper('Gen3DLambdaNotifyRole'),
    notifyPolicy: upper('Gen3DLambdaNotifyPolicy'),
    apiRole: upper('Gen3DLambdaApiRole'),
    apiPolicy: upper('Gen3DLambdaApiPolicy'),
    replicationRole: upper('Gen3DDataReplicationRole'),
    model: upper('Gen3DSAM3DModel'),
    endpointConfig: upper('Gen3DSAM-AsyncConfig'),
    endpoint: upper('Gen3DSAMAsyncEndpoint'),
    variant: variantNameFor(instanceType ?? SEED_INSTANCE_TYPE),
    extractFunction: upper('Gen3DExtractLambda'),
    notifyFunction: upper('Gen3DNotifyLambda'),
    apiFunction: upper('Gen3DApiLambda'),
    extractFailureQueue: upper(FAILURE_QUEUE_NAMES.extract),
    notifyFailureQueue: upper(FAILURE_QUEUE_NAMES.notify),
    applicationLogGroup: stage === 'production' ? '/gen3d/application' : '/sandbox/gen3d/application',
    extractErrorsAlarm: upper('Gen3D-ExtractLambda-HighErrors'),
    modelLatencyAlarm: upper('Gen3D-SageMaker-ModelLatency'),
    backlogWithoutCapacityAlarm: upper('Gen3D-SageMaker-HasBacklogWithoutCapacity'),
    extractFailuresAlarm: upper('Gen3D-ExtractLambda-FailedEvents'),
    notifyFailuresAlarm: upper('Gen3D-NotifyLambda-FailedEvents'),
    dashboard: upper('Gen3D-Operations'),
    alarmTopic: upper('Gen3D-Alarms'),
    trail: upper('Gen3D-Trail'),
    apiTokenSecret: stage === 'production' ? 'gen3d/api/token-key' : 'sandbox/gen3d/api/token-key',
    downloadKeySecret:
      stage === 'production' ? 'gen3d/links/download-key' : 'sandbox/gen3d/links/download-key',
    webOriginParameter: `${stage === 'production' ? '' : '/sandbox'}/gen3d/web/origin`,
    distributionIdParameter: `${stage === 'production' ? '' : '/sandbox'}/gen3d/web/distribution-id`,
    apiUrlParameter: `${stage === 'production' ? '' : '/sandbox'}/gen3d/api/url`,
    downloadLinksUrlParameter: `${stage === 'production' ? '' : '/sandbox'}/gen3d/api/download-links-url`,
    mailConfigurationSet: lower('gen3d-mail'),
    bounceRateAlarm: upper('Gen3D-SES-BounceRate'),
    complaintRateAlarm: upper('Gen3D-SES-ComplaintRate'),
    apiFirewall: upper('Gen3D-Api-Firewall'),
    apiOriginSecret: stage === 'production' ? 'gen3d/api/origin-verify' : 'sandbox/gen3d/api/origin-verify',
  };
}

/** SageMaker resource ARNs use the lower-cased name (seed: …:endpoint/gen3dsamasyncendpoint). */
export function sageMakerArnName(name: string): string {
  return name.toLowerCase();
}
