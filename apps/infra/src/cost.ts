import { GPU_MEMORY_GB, SAM3D_MIN_GPU_MEMORY_GB } from './gpu';
import { SCALE_IN_COOLDOWN_SECONDS } from './stacks/inference-stack';
import type { StackTemplate } from './inventory';
import { SEED } from './seed';

/**
 * Prices assumed (USD, us-east-1, on-demand, November 2026 list prices as we read them; check
 * https://aws.amazon.com/sagemaker/pricing/ before relying on them). The seed's own figures are used where it has one.
 */
export const PRICES = {
  /** SageMaker hosting (real-time and asynchronous inference share these), per instance-hour. */
  sageMakerHourly: {
    'ml.g4dn.xlarge': 0.736, // the seed's figure
    'ml.g5.xlarge': 1.408,
    'ml.g6.xlarge': 1.1644,
    'ml.g6e.xlarge': 2.6406,
  } as Record<string, number>,
  s3StorageGbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  ecrGbMonth: 0.1,
  logsIngestGb: 0.5,
  alarmMonth: 0.1,
  /** The first three dashboards of an account are free; Gen3D-Operations is counted as paid. */
  dashboardMonth: 3,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: 0.0000166667,
  sesPer1000: 0.1,
  secretMonth: 0.4,
} as const;

/** Seconds of instance time per mesh, end to end inside the container, and where the figure comes from. */
export const SECONDS_PER_MESH = {
  inflate: {
    seconds: 0.5,
    source:
      'measured: 0.28 s worker time for a 1024² photo (docs/benchmarks.md) + sidecar and S3 I/O (77–140 ms), rounded up',
  },
  sam3d: {
    seconds: 30,
    source:
      'published: about 30 s per object for SAM 3D Objects on a large GPU (A100/H100 class); not measured here',
  },
} as const;

/** Storage and usage the seed's estimate assumes (§9): 100 GB in S3, 10 GB of images, 5 GB of logs a month. */
export const SEED_USAGE = { s3Gb: 100, ecrGb: 10, logsGb: 5 } as const;

/** Minutes an instance runs without work around each burst: start-up, then the idle tail before scale-in to 0. */
export const BURST_OVERHEAD_MINUTES = {
  startup: 10,
  // Target tracking scales in after 15 one-minute data points below target, then waits out the cooldown.
  idleTail: 15 + SCALE_IN_COOLDOWN_SECONDS / 60,
} as const;

const HOURS_PER_MONTH = 730;

export interface EndpointShape {
  readonly instanceType: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly backends: string;
  readonly alarms: number;
  readonly dashboards: number;
  readonly secrets: number;
}

/** Reads what costs money from the synthesized templates. */
export function endpointShape(stacks: readonly StackTemplate[]): EndpointShape {
  const resources = stacks.flatMap((s) => Object.values(s.template.Resources ?? {}));
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const config = ofType('AWS::SageMaker::EndpointConfig')[0]?.Properties as
    { ProductionVariants: { InstanceType: string }[] } | undefined;
  const target = ofType('AWS::ApplicationAutoScaling::ScalableTarget')[0]?.Properties as
    { MinCapacity: number; MaxCapacity: number } | undefined;
  const model = ofType('AWS::SageMaker::Model')[0]?.Properties as
    { PrimaryContainer: { Environment: Record<string, string> } } | undefined;
  if (!config || !target || !model)
    throw new Error('the templates hold no SageMaker endpoint with auto scaling');
  return {
    instanceType: config.ProductionVariants[0]?.InstanceType ?? '',
    minInstances: target.MinCapacity,
    maxInstances: target.MaxCapacity,
    backends: model.PrimaryContainer.Environment['GEN3D_BACKENDS'] ?? 'inflate',
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    secrets: ofType('AWS::SecretsManager::Secret').length,
  };
}

function hourly(instanceType: string): number {
  const price = PRICES.sageMakerHourly[instanceType];
  if (price === undefined)
    throw new Error(`no price assumed for ${instanceType} (apps/infra/src/cost.ts PRICES)`);
  return price;
}

/** What stays billed with no traffic at all: storage, images, alarms, the dashboard, secrets; no instance. */
export function idleMonthly(shape: EndpointShape): { item: string; usd: number }[] {
  return [
    {
      item: `S3 storage (${SEED_USAGE.s3Gb} GB, the seed's figure)`,
      usd: SEED_USAGE.s3Gb * PRICES.s3StorageGbMonth,
    },
    { item: `ECR images (${SEED_USAGE.ecrGb} GB)`, usd: SEED_USAGE.ecrGb * PRICES.ecrGbMonth },
    { item: `CloudWatch alarms (${shape.alarms})`, usd: shape.alarms * PRICES.alarmMonth },
    { item: `CloudWatch dashboard (${shape.dashboards})`, usd: shape.dashboards * PRICES.dashboardMonth },
    { item: `Secrets Manager (${shape.secrets})`, usd: shape.secrets * PRICES.secretMonth },
    {
      item: `SageMaker endpoint at ${shape.minInstances} instances`,
      usd: shape.minInstances * hourly(shape.instanceType) * HOURS_PER_MONTH,
    },
  ];
}

/** The seed's always-on estimate (§9) for an instance type: one instance all month plus the same extras. */
export function alwaysOnMonthly(instanceType: string): number {
  const extras = SEED.monthlyEstimateUsd - 0.736 * HOURS_PER_MONTH;
  return hourly(instanceType) * HOURS_PER_MONTH + extras;
}

export interface PerThousand {
  readonly backend: 'inflate' | 'sam3d';
  readonly instanceType: string;
  readonly gpuMemoryGb: number;
  readonly secondsPerMesh: number;
  readonly computeUsd: number;
  readonly pipelineUsd: number;
  readonly burstUsd: number;
}

/** Lambda, S3 requests and SES for 1,000 meshes: the same for every backend. */
export function pipelinePerThousand(): number {
  const invocations = 2 * 1000; // extract + notify
  const gbSeconds = 1000 * (SEED.extract.memoryMb / 1024) * 0.5 + 1000 * (SEED.notify.memoryMb / 1024) * 0.5; // ~0.5 s each
  const lambda = (invocations / 1e6) * PRICES.lambdaPerMillionRequests + gbSeconds * PRICES.lambdaGbSecond;
  const s3 = 6 * PRICES.s3PutPer1000 + 10 * PRICES.s3GetPer1000; // ~6 writes and ~10 reads per mesh
  const ses = PRICES.sesPer1000; // one email per mesh
  return lambda + s3 + ses;
}

/** Cost of 1,000 meshes per backend and instance type (SAM 3D only where the GPU can hold it). */
export function perThousand(): PerThousand[] {
  const rows: PerThousand[] = [];
  const pipelineUsd = pipelinePerThousand();
  const burstHours = (BURST_OVERHEAD_MINUTES.startup + BURST_OVERHEAD_MINUTES.idleTail) / 60;
  for (const instanceType of Object.keys(PRICES.sageMakerHourly)) {
    const gpuMemoryGb = GPU_MEMORY_GB[instanceType]?.memoryGb ?? 0;
    for (const backend of ['inflate', 'sam3d'] as const) {
      if (backend === 'sam3d' && gpuMemoryGb < SAM3D_MIN_GPU_MEMORY_GB) continue;
      const secondsPerMesh = SECONDS_PER_MESH[backend].seconds;
      rows.push({
        backend,
        instanceType,
        gpuMemoryGb,
        secondsPerMesh,
        computeUsd: ((1000 * secondsPerMesh) / 3600) * hourly(instanceType),
        pipelineUsd,
        burstUsd: burstHours * hourly(instanceType),
      });
    }
  }
  return rows;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The generated part of docs/cost.md (and what `npm run cost` prints). */
export function renderCost(stacks: readonly StackTemplate[]): string {
  const shape = endpointShape(stacks);
  const idle = idleMonthly(shape);
  const idleTotal = idle.reduce((sum, row) => sum + row.usd, 0);
  return [
    `Synthesized endpoint: \`${shape.instanceType}\`, ${shape.minInstances}–${shape.maxInstances} instances, backends \`${shape.backends}\`.`,
    '',
    '| deployment | per month |',
    '| --- | --- |',
    `| seed §9: one \`ml.g4dn.xlarge\` always on | ${usd(SEED.monthlyEstimateUsd)} |`,
    `| this design, always on at 1 \`${shape.instanceType}\` | ${usd(alwaysOnMonthly(shape.instanceType))} |`,
    `| this design, idle (scaled to zero) | ${usd(idleTotal)} |`,
    '',
    'Idle cost, item by item:',
    '',
    '| item | per month |',
    '| --- | --- |',
    ...idle.map((row) => `| ${row.item} | ${usd(row.usd)} |`),
    '',
    'Cost per 1,000 meshes (compute = instance time for the meshes themselves; pipeline = Lambda, S3 requests and',
    `SES; burst = one cold start (${BURST_OVERHEAD_MINUTES.startup} min) and idle tail (${BURST_OVERHEAD_MINUTES.idleTail} min) of one instance, paid once per burst of work, whatever its size):`,
    '',
    '| backend | instance | GPU memory | s per mesh | compute | pipeline | total (one burst) | burst overhead |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...perThousand().map(
      (r) =>
        `| ${r.backend} | \`${r.instanceType}\` | ${r.gpuMemoryGb} GB | ${r.secondsPerMesh} | ${usd(r.computeUsd)} | ${usd(r.pipelineUsd)} | ${usd(r.computeUsd + r.pipelineUsd + r.burstUsd)} | ${usd(r.burstUsd)} |`,
    ),
    '',
    'Prices assumed (USD, us-east-1, on demand):',
    '',
    '| SageMaker instance | per hour |',
    '| --- | --- |',
    ...Object.entries(PRICES.sageMakerHourly).map(([type, price]) => `| \`${type}\` | $${price} |`),
    '',
    `Other prices: S3 $${PRICES.s3StorageGbMonth}/GB-month, PUT $${PRICES.s3PutPer1000}/1,000, GET $${PRICES.s3GetPer1000}/1,000; ECR ${usd(PRICES.ecrGbMonth)}/GB-month; alarm ${usd(PRICES.alarmMonth)}/month; dashboard ${usd(PRICES.dashboardMonth)}/month; Lambda $${PRICES.lambdaPerMillionRequests}/million requests and $${PRICES.lambdaGbSecond}/GB-s; SES ${usd(PRICES.sesPer1000)}/1,000 emails; secret ${usd(PRICES.secretMonth)}/month.`,
    '',
    'Seconds per mesh assumed:',
    '',
    ...Object.entries(SECONDS_PER_MESH).map(
      ([backend, s]) => `- \`${backend}\`: ${s.seconds} s (${s.source}).`,
    ),
    '',
  ].join('\n');
}
