import { z } from 'zod';
import {
  imageTagFor,
  LATEST_PROFILE,
  LATEST_TAG,
  PROFILE_NAMES,
  PROFILES,
  type ProfileName,
} from './profiles';
import { SEED } from './seed';

/**
 * Everything a deployment may choose, read once when the app is built. Each setting comes from CDK context
 * (`cdk synth -c gen3d:maxInstances=2`) or, for CI and `nx affected -t deploy`, from the environment
 * (`GEN3D_MAX_INSTANCES=2`). Values that decide the template's shape (instance type, backend, stage) are known at
 * synth time on purpose: the GPU-memory guard must refuse a bad combination before anything is deployed.
 */
export interface Settings {
  /** `production` uses the seed's names; `sandbox` deploys the same stacks beside it with prefixed names. */
  readonly stage: 'production' | 'sandbox';
  /**
   * S3 bucket names are global: the seed's `gen3d-data-bucket` may belong to another account. The audit and replica
   * buckets' names derive from this one (names.ts).
   */
  readonly dataBucketName: string;
  /** The model bucket's name (seed: gen3d-model-bucket). */
  readonly modelBucketName: string;
  /**
   * The deployment profile (profiles.ts, decision 0030): which image, backends and default instance type. Unset, it
   * is `sam3d` when `backend` is `sam3d` (how SAM 3D was asked for before profiles), else `seed`.
   */
  readonly profile: ProfileName;
  /** SageMaker instance type of the endpoint's variant: the profile's unless set (seed: ml.g4dn.xlarge). */
  readonly instanceType: string;
  /** Upper bound of the variant's auto scaling (the lower bound is 0: scale to zero when idle). */
  readonly maxInstances: number;
  /**
   * Reconstruction backend the endpoint serves: the profile's (`sam3d` needs ≥ 32 GB of GPU memory, decision 0004).
   * Setting it to another than the profile's is refused.
   */
  readonly backend: 'inflate' | 'sam3d';
  /**
   * Image tag of gen3d-sam3d-inference the model runs: the profile's prefix and the tag set (CI passes the commit
   * that ecr-push.sh pushed), e.g. `cpu-0123456789ab` for the cpu profile.
   */
  readonly imageTag: string;
  /** Where alarms are emailed (an SNS topic with this subscription); no topic when absent. */
  readonly alarmEmail: string | undefined;
  /** The web app's origin (https://…): narrows the data bucket's CORS rule from the seed's `*` to it. */
  readonly webOrigin: string | undefined;
  /** Archive uploads (users/{userId}/input/) to Glacier after 90 days: the seed's "optional" lifecycle rule. */
  readonly glacierArchive: boolean;
  /** Lifetime of the emailed download link; at most what the notify role's credentials are known to last. */
  readonly linkExpirySeconds: number;
  /**
   * Days uploads and results are kept (users/ and the job index jobs/): S3 lifecycle rules expire them (decision
   * 0028), and the notify and API functions read it (RETENTION_DAYS) to say until when. The limits of
   * RETENTION_DAYS in @gen3d/jobs.
   */
  readonly retentionDays: number;
  /** Seed §15: a CloudTrail trail to an audit bucket, log file validation, CloudWatch Logs. */
  readonly cloudTrail: boolean;
  /** Seed §15: the five AWS Config rules. */
  readonly configRules: boolean;
  /** Seed §12/§16: a replica of the data bucket in us-west-2, with replication. */
  readonly drReplica: boolean;
  /** Seed §7.3: S3 request metrics on the data bucket (billed per metric) and their dashboard widget. */
  readonly s3RequestMetrics: boolean;
  /**
   * S3 server access logs of the data and model buckets, to `NAME-access-logs` (kept 90 days). Off by default: the
   * optional trail records management events only, so without this no log says who read or wrote which object.
   */
  readonly s3AccessLogs: boolean;
  readonly adminEmail: string;
  readonly sourceEmail: string;
  /**
   * A WAF web ACL with a rate-based rule in front of the web API (a CloudFront distribution of its own, which the
   * function then requires): off by default, priced in docs/cost.md.
   */
  readonly apiFirewall: boolean;
  /** Requests one client IP may make to the API in 5 minutes before WAF blocks it (with apiFirewall). */
  readonly apiRateLimit: number;
  /**
   * Reserved concurrency of the three functions (seed: 100, 50; the API 20), or `none` for the unreserved pool.
   * Lambda keeps 100 of the account's quota unreserved, so the defaults need a quota of 270; new accounts often have
   * 10 (`npm run preflight` reads it).
   */
  readonly extractReservedConcurrency: number | undefined;
  readonly notifyReservedConcurrency: number | undefined;
  readonly apiReservedConcurrency: number | undefined;
  /**
   * `auto`: the container fetches the learned segmenter from the model bucket (segmentation/) and uses it when there;
   * `classic`: the weight-free path only (docs/models.md: what a deployer decides about the model's terms).
   */
  readonly segmenter: 'auto' | 'classic';
}

/**
 * AWS does not document how long the credentials Lambda hands a function stay valid, and a presigned URL dies with
 * the credentials that signed it (AWS knowledge center: "Why is my presigned URL … expiring before the expiration
 * time"). One hour is the lifetime we promise: the notify function signs right after the mesh is written, with
 * credentials Lambda has just issued or refreshed. Longer-lived links come from the web API (issue 11).
 */
export const MAX_LINK_EXPIRY_SECONDS = 3600;

/** RETENTION_DAYS of @gen3d/jobs: its default and its upper bound (settings.spec.ts checks they agree). */
export const DEFAULT_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;

/** The API function's reserved concurrency unless set: bounds what abuse of the public URL can cost. */
export const API_RESERVED_CONCURRENCY = 20;

export class SettingsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

const flag = z.union([z.boolean(), z.stringbool()]);
const positiveInt = z.coerce.number().int().positive();
/** A reserved concurrency, or `none` (no reservation: the function shares the account's unreserved pool). */
const reservedConcurrency = (seedValue: number) =>
  z
    .union([z.literal('none'), positiveInt.max(10_000)])
    .default(seedValue)
    .transform((value) => (value === 'none' ? undefined : value));

/**
 * S3's rules for a bucket name, without dots: a dotted name breaks TLS for virtual-hosted URLs
 * (`https://name.s3.amazonaws.com`), which the web stack and the presigned links use.
 */
const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'an S3 bucket name: 3–63 lower-case letters, digits and hyphens',
  )
  .refine((name) => !/^xn--|^sthree-|-s3alias$|--ol-s3$/.test(name), 'a prefix or suffix S3 reserves');

const schema = z.object({
  stage: z.enum(['production', 'sandbox']).default('production'),
  dataBucketName: bucketName.default(SEED.dataBucketName),
  modelBucketName: bucketName.default(SEED.modelBucketName),
  profile: z.enum(PROFILE_NAMES).optional(),
  instanceType: z
    .string()
    .regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'a SageMaker instance type such as ml.g4dn.xlarge')
    .optional(),
  maxInstances: positiveInt.max(20).default(3),
  backend: z.enum(['inflate', 'sam3d']).optional(),
  imageTag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker image tag')
    .default(LATEST_TAG),
  alarmEmail: z.email().optional(),
  webOrigin: z
    .string()
    .regex(
      /^https:\/\/[a-z0-9.-]+(:\d+)?$/,
      'an https origin without a path, e.g. https://d111.cloudfront.net',
    )
    .optional(),
  glacierArchive: flag.default(false),
  linkExpirySeconds: positiveInt.min(60).max(MAX_LINK_EXPIRY_SECONDS).default(MAX_LINK_EXPIRY_SECONDS),
  retentionDays: positiveInt.max(MAX_RETENTION_DAYS).default(DEFAULT_RETENTION_DAYS),
  cloudTrail: flag.default(false),
  configRules: flag.default(false),
  drReplica: flag.default(false),
  s3RequestMetrics: flag.default(false),
  s3AccessLogs: flag.default(false),
  adminEmail: z.email().default(SEED.adminEmail),
  sourceEmail: z.email().default(SEED.sourceEmail),
  apiFirewall: flag.default(false),
  apiRateLimit: positiveInt.min(10).max(2_000_000_000).default(300),
  segmenter: z.enum(['auto', 'classic']).default('auto'),
  extractReservedConcurrency: reservedConcurrency(SEED.extract.reservedConcurrency),
  notifyReservedConcurrency: reservedConcurrency(SEED.notify.reservedConcurrency),
  apiReservedConcurrency: reservedConcurrency(API_RESERVED_CONCURRENCY),
});

export const SETTING_NAMES = Object.keys(schema.shape) as (keyof Settings)[];

/** `maxInstances` → `GEN3D_MAX_INSTANCES`. */
export function envNameOf(setting: string): string {
  return `GEN3D_${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** `maxInstances` → `gen3d:maxInstances`. */
export function contextKeyOf(setting: string): string {
  return `gen3d:${setting}`;
}

/**
 * Reads the settings: CDK context first, then the environment, then the defaults (the seed's values, governance
 * off). Empty strings count as unset.
 *
 * @example readSettings((key) => app.node.tryGetContext(key), process.env)
 * @throws SettingsError naming every setting that is malformed
 */
export function readSettings(
  context: (key: string) => unknown,
  env: Record<string, string | undefined> = {},
): Settings {
  const raw: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const value = context(contextKeyOf(name)) ?? env[envNameOf(name)];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      return `${contextKeyOf(name)} (${envNameOf(name)}): ${issue.message}`;
    });
    throw new SettingsError(`invalid Gen3D settings: ${problems.join('; ')}`);
  }
  return { alarmEmail: undefined, webOrigin: undefined, ...parsed.data, ...resolveProfile(parsed.data) };
}

/**
 * The profile and what it decides: its backend, its instance type unless one is set, its image tag.
 *
 * @throws SettingsError when the backend set is not the profile's, or the image tag cannot be the profile's image
 */
function resolveProfile(raw: {
  profile?: ProfileName | undefined;
  backend?: 'inflate' | 'sam3d' | undefined;
  instanceType?: string | undefined;
  imageTag: string;
}): Pick<Settings, 'profile' | 'backend' | 'instanceType' | 'imageTag'> {
  const profile = PROFILES[raw.profile ?? (raw.backend === 'sam3d' ? 'sam3d' : 'seed')];
  if (raw.backend !== undefined && raw.backend !== profile.backend) {
    throw new SettingsError(
      `invalid Gen3D settings: ${contextKeyOf('backend')} (${envNameOf('backend')}) is ${raw.backend}, and the ` +
        `${profile.name} profile serves ${profile.backend}: set ${contextKeyOf('profile')} to a profile whose ` +
        `backend it is (${PROFILE_NAMES.map((name) => `${name}: ${PROFILES[name].backend}`).join(', ')}), or leave the backend unset`,
    );
  }
  const imageTag = imageTagFor(profile, raw.imageTag);
  if (imageTag === undefined) {
    const expected = `${profile.tagPrefix}<commit> or <commit>${profile.name === LATEST_PROFILE ? ` or ${LATEST_TAG}` : ''}`;
    throw new SettingsError(
      `invalid Gen3D settings: ${contextKeyOf('imageTag')} (${envNameOf('imageTag')}) ${raw.imageTag} is not an image ` +
        `of the ${profile.name} profile (${profile.dockerfile}, tags ${expected}; ecr-push.sh pushes them)`,
    );
  }
  return {
    profile: profile.name,
    backend: profile.backend,
    instanceType: raw.instanceType ?? profile.defaultInstanceType,
    imageTag,
  };
}
