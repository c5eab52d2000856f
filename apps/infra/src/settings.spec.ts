import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETENTION_DAYS } from '@gen3d/jobs';
import {
  contextKeyOf,
  DEFAULT_RETENTION_DAYS,
  envNameOf,
  MAX_LINK_EXPIRY_SECONDS,
  MAX_RETENTION_DAYS,
  readSettings,
  SETTING_NAMES,
  SettingsError,
} from './settings';
import { MAX_IMAGE_WAIT_MINUTES } from './image-wait';
import { workspaceRoot } from './workspace';

const none = () => undefined;

describe('readSettings', () => {
  it('defaults to the seed: production, ml.g4dn.xlarge, inflate, governance off, links for one hour', () => {
    expect(readSettings(none)).toEqual({
      stage: 'production',
      dataBucketName: 'gen3d-data-bucket',
      modelBucketName: 'gen3d-model-bucket',
      profile: 'seed',
      instanceType: 'ml.g4dn.xlarge',
      maxInstances: 3,
      backend: 'inflate',
      imageTag: 'latest',
      alarmEmail: undefined,
      webOrigin: undefined,
      glacierArchive: false,
      linkExpirySeconds: MAX_LINK_EXPIRY_SECONDS,
      retentionDays: 30,
      cloudTrail: false,
      configRules: false,
      drReplica: false,
      s3RequestMetrics: false,
      s3AccessLogs: false,
      adminEmail: 'info@2112-lab.com',
      sourceEmail: 'noreply@genesis3d.com',
      apiFirewall: false,
      apiRateLimit: 300,
      segmenter: 'auto',
      extractReservedConcurrency: 100,
      notifyReservedConcurrency: 50,
      apiReservedConcurrency: 20,
    });
  });

  it('reads CDK context first, then GEN3D_* environment variables', () => {
    const context: Record<string, string> = { 'gen3d:maxInstances': '5', 'gen3d:cloudTrail': 'true' };
    const settings = readSettings((key) => context[key], {
      GEN3D_MAX_INSTANCES: '7',
      GEN3D_STAGE: 'sandbox',
      GEN3D_IMAGE_TAG: '0123abcd4567',
      GEN3D_GLACIER_ARCHIVE: 'false',
    });
    expect(settings).toMatchObject({
      maxInstances: 5,
      cloudTrail: true,
      stage: 'sandbox',
      imageTag: 'gpu-0123abcd4567', // the seed profile's prefix
      glacierArchive: false,
    });
  });

  it('refuses a link lifetime longer than the notify role’s credentials are known to last', () => {
    expect(() => readSettings(none, { GEN3D_LINK_EXPIRY_SECONDS: String(7 * 24 * 3600) })).toThrow(
      /gen3d:linkExpirySeconds \(GEN3D_LINK_EXPIRY_SECONDS\)/,
    );
  });

  it('keeps files as long as the functions say (RETENTION_DAYS of @gen3d/jobs: same default, same limits)', () => {
    expect(readSettings(none).retentionDays).toBe(RETENTION_DAYS.fromEnv({}));
    expect(DEFAULT_RETENTION_DAYS).toBe(RETENTION_DAYS.fromEnv({}));
    expect(readSettings(none, { GEN3D_RETENTION_DAYS: '7' }).retentionDays).toBe(7);
    expect(RETENTION_DAYS.fromEnv({ RETENTION_DAYS: String(MAX_RETENTION_DAYS) })).toBe(MAX_RETENTION_DAYS);
    expect(() => RETENTION_DAYS.fromEnv({ RETENTION_DAYS: String(MAX_RETENTION_DAYS + 1) })).toThrow();
    for (const bad of ['0', String(MAX_RETENTION_DAYS + 1), '1.5', 'month']) {
      expect(() => readSettings(none, { GEN3D_RETENTION_DAYS: bad })).toThrow(
        /gen3d:retentionDays \(GEN3D_RETENTION_DAYS\)/,
      );
    }
  });

  it('names every malformed setting, with its context key and variable', () => {
    try {
      readSettings(none, { GEN3D_INSTANCE_TYPE: 'g4dn.xlarge', GEN3D_WEB_ORIGIN: 'http://example.com/app' });
      throw new Error('expected a SettingsError');
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toMatch(
        /gen3d:instanceType \(GEN3D_INSTANCE_TYPE\): a SageMaker instance type/,
      );
      expect((error as Error).message).toMatch(/gen3d:webOrigin \(GEN3D_WEB_ORIGIN\): an https origin/);
    }
  });

  it('takes the bucket names S3 accepts, without dots (a dotted name breaks TLS for virtual-hosted URLs)', () => {
    expect(
      readSettings((key) => ({ 'gen3d:dataBucketName': 'acme-gen3d-data' })[key], {
        GEN3D_MODEL_BUCKET_NAME: 'acme-gen3d-models',
      }),
    ).toMatchObject({ dataBucketName: 'acme-gen3d-data', modelBucketName: 'acme-gen3d-models' });
    for (const bad of ['Acme-Data', 'acme.data', 'ab', '-acme', 'xn--acme', `a${'b'.repeat(63)}`]) {
      expect(() => readSettings(none, { GEN3D_DATA_BUCKET_NAME: bad })).toThrow(
        /gen3d:dataBucketName \(GEN3D_DATA_BUCKET_NAME\)/,
      );
    }
  });

  it('takes a reserved concurrency per function, or none (an account whose quota cannot reserve any)', () => {
    expect(
      readSettings(none, {
        GEN3D_EXTRACT_RESERVED_CONCURRENCY: 'none',
        GEN3D_NOTIFY_RESERVED_CONCURRENCY: '5',
        GEN3D_API_RESERVED_CONCURRENCY: 'none',
      }),
    ).toMatchObject({
      extractReservedConcurrency: undefined,
      notifyReservedConcurrency: 5,
      apiReservedConcurrency: undefined,
    });
    for (const bad of ['0', '-1', 'lots', '2.5']) {
      expect(() => readSettings(none, { GEN3D_EXTRACT_RESERVED_CONCURRENCY: bad })).toThrow(
        /GEN3D_EXTRACT_RESERVED_CONCURRENCY/,
      );
    }
  });

  it('maps setting names to context keys and environment variables', () => {
    expect(envNameOf('s3RequestMetrics')).toBe('GEN3D_S3_REQUEST_METRICS');
    expect(contextKeyOf('drReplica')).toBe('gen3d:drReplica');
  });
});

describe('the deploy workflow', () => {
  const workflow = readFileSync(join(workspaceRoot(), '.github/workflows/deploy.yml'), 'utf8');

  it('passes every deployment setting from a repository variable, so a CI run does not reset it', () => {
    for (const name of SETTING_NAMES.filter((n) => n !== 'imageTag')) {
      expect(workflow).toContain(`${envNameOf(name)}: \${{ vars.${envNameOf(name)} }}`);
    }
  });

  it('deploys the affected stacks in the first-deploy order, not each project’s target in any order', () => {
    expect(workflow).toContain('npx nx run infra:deploy-affected');
    expect(workflow).not.toMatch(/-t deploy\b|--target[= ]deploy\b/);
  });

  it('builds no image, and outlasts the longest wait for one (deploy-inference waits for the images workflow)', () => {
    expect(workflow).not.toMatch(/ecr-push|docker |AWS_ACCOUNT_ID/);
    expect(workflow).toContain('GEN3D_IMAGE_WAIT_MINUTES: ${{ vars.GEN3D_IMAGE_WAIT_MINUTES }}');
    const timeout = Number(/^ {4}timeout-minutes: (\d+)$/m.exec(workflow)?.[1]);
    expect(timeout).toBeGreaterThanOrEqual(MAX_IMAGE_WAIT_MINUTES + 60);
    expect(timeout).toBeLessThanOrEqual(360); // GitHub-hosted runners stop a job at 6 hours
  });
});

describe('the pull-request workflow', () => {
  const workflow = readFileSync(join(workspaceRoot(), '.github/workflows/pull-request.yml'), 'utf8');
  const sandboxJob = workflow.slice(workflow.indexOf('  sandbox-deploy:'));

  it('deploys what a pull request changed to the sandbox stage, never production', () => {
    expect(workflow.indexOf('  sandbox-deploy:')).toBeGreaterThan(0);
    expect(sandboxJob).toContain('needs: affected');
    expect(sandboxJob).toMatch(/^ {6}GEN3D_STAGE: sandbox\b/m);
    expect(workflow).not.toContain('vars.GEN3D_STAGE');
    expect(sandboxJob).toContain('npx nx run infra:deploy-affected');
    for (const name of SETTING_NAMES.filter((n) => n !== 'imageTag' && n !== 'stage')) {
      expect(sandboxJob).toContain(`${envNameOf(name)}: \${{ vars.${envNameOf(name)} }}`);
    }
  });

  it('hands AWS credentials only to that job, only for branches of this repository, one deploy at a time', () => {
    expect(workflow.match(/id-token: write/g)).toHaveLength(1);
    expect(sandboxJob).toContain('id-token: write');
    expect(sandboxJob).toContain('if: github.event.pull_request.head.repo.full_name == github.repository');
    expect(sandboxJob).toContain('group: deploy-sandbox');
    expect(sandboxJob.indexOf('configure-aws-credentials')).toBeLessThan(
      sandboxJob.indexOf('infra:deploy-affected'),
    );
  });

  it('does not wait for an image nobody builds: a pull request’s changed image fails its sandbox deploy at once', () => {
    expect(sandboxJob).toMatch(/^ {6}GEN3D_IMAGE_WAIT_MINUTES: 0$/m);
    expect(sandboxJob).not.toMatch(/ecr-push|docker |AWS_ACCOUNT_ID/);
  });
});
