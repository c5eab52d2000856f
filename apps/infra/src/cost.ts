import { PROFILE_NAMES, PROFILES, type ProfileName } from './profiles';
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
    'ml.c6i.xlarge': 0.204,
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

/** A figure and where it comes from: `measured` (with the command or page), `estimated` (how), or `published`. */
export interface Sourced {
  readonly value: number;
  readonly source: string;
}

/**
 * What each deployment profile costs beyond its instance's price: instance time per mesh, the image's size and the
 * cold start (an idle endpoint's first instance: provisioning, image pull, container start).
 */
export interface ProfileFigures {
  readonly secondsPerMesh: Sourced;
  /** Unpacked size in GB, as `docker images` shows it. */
  readonly imageGb: Sourced;
  /** What ECR stores and the instance pulls: compressed layers, in GB. */
  readonly compressedImageGb: Sourced;
  readonly coldStartMinutes: Sourced;
}

/** Provisioning of a SageMaker instance before the container starts: not measured here (no account). */
const PROVISION = 'about 4 min to provision the instance, not measured in an account';

export const PROFILE_FIGURES: Readonly<Record<ProfileName, ProfileFigures>> = Object.freeze({
  seed: {
    secondsPerMesh: {
      value: 0.6,
      source:
        'estimated: the mesh on the CPUs as measured (0.28 s worker time for a 1024² photo without the model, ' +
        'docs/benchmarks.md), about 0.1 s for IS-Net on the T4 (not measured: no GPU here), sidecar and S3 I/O 0.14 s',
    },
    imageGb: {
      value: 9,
      source:
        'estimated: the TorchServe venv measured here at 5.6 GB, torch 2.5.1 with its CUDA wheels ' +
        '(`du -sh .venv-torchserve/lib/python3.11/site-packages`), plus the CUDA 12.1 cuDNN 8 runtime base, Java and Node',
    },
    compressedImageGb: {
      value: 4.5,
      source: 'estimated: half the unpacked size (CUDA libraries compress poorly)',
    },
    coldStartMinutes: {
      value: 8,
      source: `estimated: ${PROVISION}, 3 min to pull and unpack 4.5 GB, under 1 min for TorchServe and the model`,
    },
  },
  cpu: {
    secondsPerMesh: {
      value: 1.2,
      source:
        'measured on the 2-core development machine with the learned segmenter: four 1024² jobs at once in 4.2 s ' +
        '(`.venv/bin/python apps/inference-server/worker/bench/bench_photos.py --costs`, docs/benchmarks.md), 1.05 s ' +
        'each, plus sidecar and S3 I/O (estimated 0.15 s); the fast path takes 0.3 s',
    },
    imageGb: {
      value: 0.9,
      source:
        'estimated: what worker/requirements.txt installs measured here at 588 MB, the same wheels the image ' +
        'installs (`.venv/bin/python apps/inference-server/worker/bench/requirements_size.py ' +
        'apps/inference-server/worker/requirements.txt`), Node 24 and Debian slim about 230 MB, Python 3.11 about 60 MB',
    },
    compressedImageGb: { value: 0.35, source: 'estimated: 40 % of the unpacked size' },
    coldStartMinutes: {
      value: 5,
      source: `estimated: ${PROVISION}, under 1 min to pull 0.35 GB and start the worker with the model`,
    },
  },
  sam3d: {
    secondsPerMesh: {
      value: 30,
      source:
        'published: about 30 s per object for SAM 3D Objects on a large GPU (A100/H100 class); not measured here',
    },
    imageGb: {
      value: 25,
      source: 'estimated: docs/models.md (the conda CUDA toolkit, torch and its CUDA wheels)',
    },
    compressedImageGb: { value: 11, source: 'estimated: a little under half the unpacked size' },
    coldStartMinutes: {
      value: 15,
      source:
        `estimated: ${PROVISION}, about 8 min to pull and unpack 11 GB, SageMaker's copy of the weights and ` +
        'loading them onto the GPU',
    },
  },
});

/** Storage and usage the seed's estimate assumes (§9): 100 GB in S3 and 5 GB of logs a month. */
export const SEED_USAGE = { s3Gb: 100, logsGb: 5 } as const;

/** Minutes an instance runs without work after the last job before scale-in to 0. */
export const IDLE_TAIL_MINUTES =
  // Target tracking scales in after 15 one-minute data points below target, then waits out the cooldown.
  15 + SCALE_IN_COOLDOWN_SECONDS / 60;

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

/**
 * ECR keeps the last 5 images (seed §5.1) of every profile, whichever is deployed: the images workflow pushes all
 * three for each change (decisions 0036, 0037). Each at its compressed size; layers two images share are stored once,
 * so this is the most it can be.
 */
function ecrGb(): number {
  return (
    PROFILE_NAMES.reduce((gb, name) => gb + PROFILE_FIGURES[name].compressedImageGb.value, 0) *
    SEED.keepImages
  );
}

const ecrItem = () =>
  `ECR images (the last ${SEED.keepImages} of each profile: ${SEED.keepImages} × ` +
  `(${PROFILE_NAMES.map((name) => PROFILE_FIGURES[name].compressedImageGb.value).join(' + ')}) GB)`;

/** What stays billed with no traffic at all: storage, images, alarms, the dashboard, secrets; no instance. */
export function idleMonthly(shape: EndpointShape): { item: string; usd: number }[] {
  return [
    {
      item: `S3 storage (${SEED_USAGE.s3Gb} GB, the seed's figure)`,
      usd: SEED_USAGE.s3Gb * PRICES.s3StorageGbMonth,
    },
    { item: ecrItem(), usd: ecrGb() * PRICES.ecrGbMonth },
    { item: `CloudWatch alarms (${shape.alarms})`, usd: shape.alarms * PRICES.alarmMonth },
    { item: `CloudWatch dashboard (${shape.dashboards})`, usd: shape.dashboards * PRICES.dashboardMonth },
    { item: `Secrets Manager (${shape.secrets})`, usd: shape.secrets * PRICES.secretMonth },
    {
      item: `SageMaker endpoint at ${shape.minInstances} instances`,
      usd: shape.minInstances * hourly(shape.instanceType) * HOURS_PER_MONTH,
    },
  ];
}

const sum = (rows: readonly { usd: number }[]) => rows.reduce((total, row) => total + row.usd, 0);

/**
 * One instance all month plus this design's own extras: what stays billed when idle (storage, images, alarms,
 * dashboard, secrets) and the seed's 5 GB of logs a month.
 */
export function alwaysOnMonthly(shape: EndpointShape, instanceType: string): number {
  const extras = sum(idleMonthly({ ...shape, minInstances: 0 }));
  return hourly(instanceType) * HOURS_PER_MONTH + extras + SEED_USAGE.logsGb * PRICES.logsIngestGb;
}

export interface ProfileCost {
  readonly profile: ProfileName;
  readonly instanceType: string;
  readonly idleUsd: number;
  readonly alwaysOnUsd: number;
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

/**
 * Each profile on its default instance type: idle and always-on per month, and 1,000 meshes (compute, pipeline, and
 * one burst: the cold start and the idle tail of one instance). The alarms, dashboard and secrets are the
 * synthesized stacks' (the same in every profile).
 */
export function profileCosts(shape: EndpointShape): ProfileCost[] {
  return PROFILE_NAMES.map((name) => {
    const instanceType = PROFILES[name].defaultInstanceType;
    const figures = PROFILE_FIGURES[name];
    const burstHours = (figures.coldStartMinutes.value + IDLE_TAIL_MINUTES) / 60;
    return {
      profile: name,
      instanceType,
      idleUsd: sum(idleMonthly({ ...shape, minInstances: 0 })),
      alwaysOnUsd: alwaysOnMonthly(shape, instanceType),
      computeUsd: ((1000 * figures.secondsPerMesh.value) / 3600) * hourly(instanceType),
      pipelineUsd: pipelinePerThousand(),
      burstUsd: burstHours * hourly(instanceType),
    };
  });
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The generated part of docs/cost.md (and what `npm run cost` prints). */
export function renderCost(stacks: readonly StackTemplate[], profile: ProfileName = 'seed'): string {
  const shape = endpointShape(stacks);
  const idle = idleMonthly(shape);
  return [
    `Synthesized endpoint: profile \`${profile}\`, \`${shape.instanceType}\`, ${shape.minInstances}–${shape.maxInstances} instances, backends \`${shape.backends}\`.`,
    '',
    '| deployment | per month |',
    '| --- | --- |',
    `| seed §9: one \`ml.g4dn.xlarge\` always on | ${usd(SEED.monthlyEstimateUsd)} |`,
    `| this design, always on at 1 \`${shape.instanceType}\` (with its own extras and 5 GB of logs) | ${usd(alwaysOnMonthly(shape, shape.instanceType))} |`,
    `| this design, idle (scaled to zero) | ${usd(sum(idle))} |`,
    '',
    'Idle cost, item by item:',
    '',
    '| item | per month |',
    '| --- | --- |',
    ...idle.map((row) => `| ${row.item} | ${usd(row.usd)} |`),
    '',
    ...renderProfiles(shape),
    'Prices assumed (USD, us-east-1, on demand):',
    '',
    '| SageMaker instance | per hour |',
    '| --- | --- |',
    ...Object.entries(PRICES.sageMakerHourly).map(([type, price]) => `| \`${type}\` | $${price} |`),
    '',
    `Other prices: S3 $${PRICES.s3StorageGbMonth}/GB-month, PUT $${PRICES.s3PutPer1000}/1,000, GET $${PRICES.s3GetPer1000}/1,000; ECR ${usd(PRICES.ecrGbMonth)}/GB-month; logs ${usd(PRICES.logsIngestGb)}/GB ingested; alarm ${usd(PRICES.alarmMonth)}/month; dashboard ${usd(PRICES.dashboardMonth)}/month; Lambda $${PRICES.lambdaPerMillionRequests}/million requests and $${PRICES.lambdaGbSecond}/GB-s; SES ${usd(PRICES.sesPer1000)}/1,000 emails; secret ${usd(PRICES.secretMonth)}/month.`,
    '',
  ].join('\n');
}

/** The deployment profiles' table and where each figure comes from. */
function renderProfiles(shape: EndpointShape): string[] {
  const costs = profileCosts(shape);
  const figures = (name: ProfileName) => PROFILE_FIGURES[name];
  return [
    `Deployment profiles (\`gen3d:profile\`, decision 0030), each on its default instance type. Per 1,000 meshes: compute = instance time for the meshes themselves; pipeline = Lambda, S3 requests and SES; burst = one cold start and the ${IDLE_TAIL_MINUTES}-minute idle tail of one instance, paid once per burst of work, whatever its size. Figures marked e are estimated, m measured, p published (sources below):`,
    '',
    '| profile | instance | idle / month | always on / month | s per mesh | 1,000 meshes (one burst) | of which burst | image (unpacked / compressed) | cold start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...costs.map((c) => {
      const f = figures(c.profile);
      return `| \`${c.profile}\` | \`${c.instanceType}\` | ${usd(c.idleUsd)} | ${usd(c.alwaysOnUsd)} | ${f.secondsPerMesh.value} ${mark(f.secondsPerMesh)} | ${usd(c.computeUsd + c.pipelineUsd + c.burstUsd)} | ${usd(c.burstUsd)} | ${f.imageGb.value} / ${f.compressedImageGb.value} GB e | ${f.coldStartMinutes.value} min e |`;
    }),
    '',
    ...PROFILE_NAMES.flatMap((name) => {
      const f = figures(name);
      return [
        `- \`${name}\`: ${PROFILES[name].summary}.`,
        `  - ${f.secondsPerMesh.value} s per mesh, ${f.secondsPerMesh.source}.`,
        `  - Image ${f.imageGb.value} GB, ${f.imageGb.source}; ${f.compressedImageGb.value} GB compressed, ${f.compressedImageGb.source}.`,
        `  - Cold start ${f.coldStartMinutes.value} min, ${f.coldStartMinutes.source}.`,
      ];
    }),
    '',
  ];
}

/** The table's mark for where a figure comes from. */
function mark(figure: Sourced): string {
  return figure.source.startsWith('measured') ? 'm' : figure.source.startsWith('published') ? 'p' : 'e';
}
