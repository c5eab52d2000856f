/** Names and settings from the infrastructure spec (shared/seeds: "Gen3D - AWS Resources v1.0"). */
export const SEED = {
  region: 'us-east-1',
  /** §16: the disaster-recovery replica's region. */
  replicaRegion: 'us-west-2',
  dataBucketName: 'gen3d-data-bucket',
  modelBucketName: 'gen3d-model-bucket',
  adminEmail: 'info@2112-lab.com',
  sourceEmail: 'noreply@genesis3d.com',
  /** §4.1: the handler string both functions keep (the bundles export lambda_handler from lambda_function.js). */
  handler: 'lambda_function.lambda_handler',
  extract: { memoryMb: 512, timeoutSeconds: 30, reservedConcurrency: 100 },
  notify: { memoryMb: 256, timeoutSeconds: 15, reservedConcurrency: 50 },
  /** §3.2 */
  maxConcurrentInvocationsPerInstance: 4,
  /** §7.1 */
  logRetentionDays: 30,
  /** §5.1 */
  keepImages: 5,
  /** §12: model artefacts, "latest 5 versions". */
  keepModelVersions: 5,
  /** §7.2: > 5 errors, 2 evaluation periods of 5 minutes ("in 10 minutes"). */
  extractErrors: { threshold: 5, periodMinutes: 5, evaluationPeriods: 2 },
  /** §7.2: > 60000 ms; CloudWatch reports ModelLatency in microseconds. */
  modelLatency: { thresholdMs: 60_000, periodMinutes: 5, evaluationPeriods: 2 },
  /** §9: the always-on estimate this design is compared against. */
  monthlyEstimateUsd: 544.13,
  tags: {
    Project: 'Gen3D',
    Environment: 'Production',
    // The seed says Terraform; this code base deploys with the AWS CDK (docs/decisions/0002).
    ManagedBy: 'AWS-CDK',
    CostCenter: 'Genesis3D',
    Owner: 'info@2112-lab.com',
  },
} as const;

/** The seed's tags, with `Environment` naming the stage. */
export function tagsFor(stage: 'production' | 'sandbox'): Record<string, string> {
  return { ...SEED.tags, Environment: stage === 'production' ? 'Production' : 'Sandbox' };
}
