import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { endpointShape, PRICES, profileCosts } from './cost';
import { assertProfileFits, GpuMemoryError } from './gpu';
import { imageTagFor, LATEST_PROFILE, LATEST_TAG, PROFILE_NAMES, PROFILES } from './profiles';
import { readSettings, SettingsError } from './settings';
import { defined, synthesize } from './testing';
import { workspaceRoot } from './workspace';

const settingsOf = (context: Record<string, string>) => readSettings((key) => context[key]);
const root = workspaceRoot();

describe('deployment profiles in the settings', () => {
  it('defaults to the seed profile: the GPU image at latest on ml.g4dn.xlarge, inflate', () => {
    expect(LATEST_PROFILE).toBe('seed');
    expect(settingsOf({})).toMatchObject({
      profile: 'seed',
      instanceType: 'ml.g4dn.xlarge',
      backend: 'inflate',
      imageTag: 'latest',
    });
  });

  it('gives the cpu profile its CPU instance type and its image’s tags (cpu-<commit>)', () => {
    expect(settingsOf({ 'gen3d:profile': 'cpu', 'gen3d:imageTag': '0123456789ab' })).toMatchObject({
      profile: 'cpu',
      instanceType: 'ml.c6i.xlarge',
      backend: 'inflate',
      imageTag: 'cpu-0123456789ab',
    });
    expect(
      readSettings(() => undefined, { GEN3D_PROFILE: 'cpu', GEN3D_IMAGE_TAG: 'cpu-0123456789ab' }),
    ).toMatchObject({ imageTag: 'cpu-0123456789ab' });
  });

  it('keeps the way SAM 3D was asked for before profiles: backend=sam3d is the sam3d profile', () => {
    expect(settingsOf({ 'gen3d:backend': 'sam3d', 'gen3d:imageTag': 'sam3d-0123456789ab' })).toMatchObject({
      profile: 'sam3d',
      instanceType: 'ml.g6e.xlarge',
      backend: 'sam3d',
      imageTag: 'sam3d-0123456789ab',
    });
  });

  it('lets an instance type be set beside the profile', () => {
    expect(settingsOf({ 'gen3d:profile': 'seed', 'gen3d:instanceType': 'ml.g5.xlarge' })).toMatchObject({
      instanceType: 'ml.g5.xlarge',
    });
  });

  it.each([
    [{ 'gen3d:profile': 'cpu', 'gen3d:backend': 'sam3d' }, /backend.*sam3d.*cpu profile serves inflate/],
    [{ 'gen3d:profile': 'cpu' }, /imageTag.*latest is not an image of the cpu profile/],
    [
      { 'gen3d:imageTag': 'sam3d-0123456789ab' },
      /sam3d-0123456789ab is not an image of the seed profile.*gpu-<commit> or <commit> or latest/,
    ],
    [{ 'gen3d:profile': 'cpu', 'gen3d:imageTag': 'sam3d-0123456789ab' }, /not an image of the cpu profile/],
    [{ 'gen3d:profile': 'gpu' }, /gen3d:profile \(GEN3D_PROFILE\)/],
  ])('refuses %j', (context, message) => {
    expect(() => settingsOf(context)).toThrow(SettingsError);
    expect(() => settingsOf(context)).toThrow(message);
  });

  it('prefixes a bare tag and keeps a prefixed one', () => {
    expect(imageTagFor(PROFILES.sam3d, 'abc')).toBe('sam3d-abc');
    expect(imageTagFor(PROFILES.sam3d, 'sam3d-abc')).toBe('sam3d-abc');
    expect(imageTagFor(PROFILES.seed, 'abc')).toBe('gpu-abc');
    expect(imageTagFor(PROFILES.seed, 'gpu-abc')).toBe('gpu-abc');
    expect(imageTagFor(PROFILES.seed, 'latest')).toBe('latest');
    expect(imageTagFor(PROFILES.seed, 'cpu-abc')).toBeUndefined();
    expect(imageTagFor(PROFILES.cpu, 'gpu-abc')).toBeUndefined();
    expect(imageTagFor(PROFILES.sam3d, 'latest')).toBeUndefined();
  });

  it('gives every profile its own tag prefix, none the start of another (each has its own lifecycle rule)', () => {
    const prefixes = PROFILE_NAMES.map((name) => PROFILES[name].tagPrefix);
    for (const prefix of prefixes) {
      expect(prefix).toMatch(/^[a-z0-9]+-$/);
      expect(prefixes.filter((other) => other.startsWith(prefix))).toEqual([prefix]);
      expect(LATEST_TAG.startsWith(prefix)).toBe(false);
    }
  });
});

describe('the guard checks the instance type against the profile', () => {
  it('accepts each profile’s default instance type', () => {
    for (const name of PROFILE_NAMES) {
      expect(() => assertProfileFits(PROFILES[name], PROFILES[name].defaultInstanceType)).not.toThrow();
    }
  });

  it('refuses a GPU instance for the cpu image, and a type it does not know as a CPU family', () => {
    expect(() => assertProfileFits(PROFILES.cpu, 'ml.g4dn.xlarge')).toThrow(GpuMemoryError);
    expect(() => assertProfileFits(PROFILES.cpu, 'ml.g4dn.xlarge')).toThrow(/NVIDIA T4.*never use/);
    expect(() => assertProfileFits(PROFILES.cpu, 'ml.inf2.xlarge')).toThrow(/not a CPU instance type/);
    expect(() => assertProfileFits(PROFILES.cpu, 'ml.m5.xlarge')).not.toThrow();
  });

  it('refuses a CPU instance for the GPU image, and a small GPU for SAM 3D', () => {
    expect(() => assertProfileFits(PROFILES.seed, 'ml.c6i.xlarge')).toThrow(
      /seed profile's image \(Dockerfile\).*ml\.c6i\.xlarge has no GPU.*gen3d:profile=cpu/,
    );
    expect(() => assertProfileFits(PROFILES.seed, 'ml.g5.xlarge')).not.toThrow();
    expect(() => assertProfileFits(PROFILES.sam3d, 'ml.g5.xlarge')).toThrow(/has 24 GB/);
  });

  it('stops the app at synth: the cpu profile on the seed’s GPU instance', () => {
    expect(() =>
      synthesize({ 'gen3d:profile': 'cpu', 'gen3d:imageTag': 'abc', 'gen3d:instanceType': 'ml.g4dn.xlarge' }),
    ).toThrow(GpuMemoryError);
  });
});

describe('the inference stack of each profile', () => {
  const cpu = synthesize({ 'gen3d:profile': 'cpu', 'gen3d:imageTag': '0123456789ab' });
  const sam3d = synthesize({ 'gen3d:profile': 'sam3d', 'gen3d:imageTag': '0123456789ab' });
  const resource = (app: typeof cpu, type: string) =>
    defined(
      Object.values(app.json('Gen3DInferenceStack').Resources).find((r) => r.Type === type),
      type,
    ).Properties as Record<string, unknown>;

  it('runs the cpu image (cpu-<commit>) on ml.c6i.xlarge with inflate and the learned segmenter’s model', () => {
    const container = resource(cpu, 'AWS::SageMaker::Model')['PrimaryContainer'] as {
      Image: unknown;
      Environment: Record<string, string>;
      ModelDataSource?: unknown;
    };
    expect(JSON.stringify(container.Image)).toMatch(/gen3d-sam3d-inference:cpu-0123456789ab"/);
    expect(container.Environment).toMatchObject({
      GEN3D_BACKENDS: 'inflate',
      SEGMENTATION_MODEL_URI: 's3://gen3d-model-bucket/segmentation/isnet-medium/',
    });
    expect(container.ModelDataSource).toBeUndefined();
    expect(resource(cpu, 'AWS::SageMaker::EndpointConfig')['ProductionVariants']).toMatchObject([
      { VariantName: 'AllTraffic-c6i-xlarge', InstanceType: 'ml.c6i.xlarge' },
    ]);
  });

  it('runs the SAM 3D image on ml.g6e.xlarge with its weights from the model bucket', () => {
    const container = resource(sam3d, 'AWS::SageMaker::Model')['PrimaryContainer'] as {
      Image: unknown;
      Environment: Record<string, string>;
      ModelDataSource?: unknown;
    };
    expect(JSON.stringify(container.Image)).toMatch(/gen3d-sam3d-inference:sam3d-0123456789ab"/);
    expect(container.Environment).toMatchObject({
      GEN3D_BACKENDS: 'sam3d,inflate',
      GEN3D_SAM3D_MODEL_DIR: '/opt/ml/model',
    });
    expect(container.ModelDataSource).toMatchObject({
      S3DataSource: { S3Uri: 's3://gen3d-model-bucket/sam3d-model/' },
    });
    expect(resource(sam3d, 'AWS::SageMaker::EndpointConfig')['ProductionVariants']).toMatchObject([
      { InstanceType: 'ml.g6e.xlarge' },
    ]);
  });

  it('prices every profile, the cpu one far below the GPU ones when idle is not the question', () => {
    const costs = profileCosts(endpointShape(cpu.templates));
    expect(costs.map((c) => c.profile)).toEqual([...PROFILE_NAMES]);
    for (const name of PROFILE_NAMES)
      expect(PRICES.sageMakerHourly[PROFILES[name].defaultInstanceType]).toBeDefined();
    const byName = Object.fromEntries(costs.map((c) => [c.profile, c]));
    expect(byName['cpu']?.alwaysOnUsd).toBeLessThan(byName['seed']?.alwaysOnUsd ?? 0);
    expect(byName['seed']?.alwaysOnUsd).toBeLessThan(byName['sam3d']?.alwaysOnUsd ?? 0);
    // Always on includes the idle extras: it is never below the instance alone.
    for (const c of costs)
      expect(c.alwaysOnUsd).toBeGreaterThan(
        c.idleUsd + 730 * (PRICES.sageMakerHourly[c.instanceType] ?? 0) - 0.01,
      );
  });
});

describe('every profile’s image is built', () => {
  const workflow = readFileSync(join(root, '.github/workflows/images.yml'), 'utf8');
  it.each(PROFILE_NAMES.map((name) => [name, PROFILES[name].dockerfile]))(
    '%s: apps/inference-server/%s exists and the images workflow builds it',
    (_name, dockerfile) => {
      expect(existsSync(join(root, 'apps/inference-server', dockerfile))).toBe(true);
      expect(workflow).toMatch(
        new RegExp(`dockerfile: apps/inference-server/${dockerfile.replace('.', '\\.')}$`, 'm'),
      );
    },
  );

  it('moves `latest` with the image of the profile it names, and with no other', () => {
    const push = readFileSync(join(root, 'apps/inference-server/ecr-push.sh'), 'utf8');
    const moves = [...push.matchAll(/^if \[ "\$prefix" = "([^"]*)" \]; then$/gm)].map((m) => m[1]);
    expect(moves).toEqual([PROFILES[LATEST_PROFILE].tagPrefix]);
    expect(push).toMatch(/-t "\$image:\$tag" -t "\$image:latest"/);
  });

  it('pushes each image with its profile’s prefix', () => {
    for (const name of PROFILE_NAMES) {
      const { dockerfile, tagPrefix } = PROFILES[name];
      const pushes = new RegExp(`ecr-push\\.sh"? ${dockerfile.replace('.', '\\.')} ${tagPrefix}`);
      const scripts = [workflow, readFileSync(join(root, 'apps/inference-server/sam3d/ecr-push.sh'), 'utf8')];
      expect([name, scripts.some((text) => pushes.test(text))]).toEqual([name, true]);
    }
  });
});

describe('the image a first deployment pushes by hand (docs/deploy.md step 5; CI leaves it to the images workflow)', () => {
  it("is the profile's build file and tag prefix: what `docs-cli.js image` gives ecr-push.sh", () => {
    const cli = join(workspaceRoot(), 'dist/apps/infra/docs-cli.js');
    const imageOf = (env: Record<string, string>) =>
      execFileSync(process.execPath, [cli, 'image'], {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        encoding: 'utf8',
      }).trim();
    expect(imageOf({})).toBe('Dockerfile gpu-');
    const commit = { GEN3D_IMAGE_TAG: '0123456789ab' }; // as image-tag.sh sets it
    expect(imageOf({ ...commit })).toBe('Dockerfile gpu-');
    expect(imageOf({ ...commit, GEN3D_PROFILE: 'cpu' })).toBe('Dockerfile.cpu cpu-');
    expect(imageOf({ ...commit, GEN3D_PROFILE: 'sam3d' })).toBe('Dockerfile.sam3d sam3d-');
    expect(imageOf({ ...commit, GEN3D_BACKEND: 'sam3d' })).toBe('Dockerfile.sam3d sam3d-');
    expect(() => imageOf({ GEN3D_PROFILE: 'tpu' })).toThrow(/GEN3D_PROFILE/);
  });
});
