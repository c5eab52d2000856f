import { ConfigError } from '@gen3d/runtime';
import { jobBudgetMs, parseSidecarConfig } from './config';

describe('parseSidecarConfig', () => {
  it('uses the SageMaker contract defaults', () => {
    expect(parseSidecarConfig({ DATA_BUCKET: 'gen3d-data-bucket' })).toMatchObject({
      port: 8080,
      maxConcurrentInvocations: 4,
      workerHost: 'embedded',
      dataBucket: 'gen3d-data-bucket',
      s3Endpoint: undefined,
      region: 'us-east-1',
      shutdownGraceMs: 25_000,
    });
  });

  it('refuses missing or malformed settings with the variable named', () => {
    expect(() => parseSidecarConfig({})).toThrow(/DATA_BUCKET is not set/);
    expect(() => parseSidecarConfig({ DATA_BUCKET: 'bkt', MAX_CONCURRENT_INVOCATIONS: '0' })).toThrow(
      ConfigError,
    );
    expect(() => parseSidecarConfig({ DATA_BUCKET: 'bkt', WORKER_HOST: 'gpu' })).toThrow(
      /WORKER_HOST must be/,
    );
    expect(() => parseSidecarConfig({ DATA_BUCKET: 'bkt', JOB_TIMEOUT_SECONDS: '1.5' })).toThrow(
      /JOB_TIMEOUT_SECONDS/,
    );
  });
});

describe('jobBudgetMs', () => {
  it('ends a job before the InvocationTimeoutSeconds its request carries, and never under a second', () => {
    expect(jobBudgetMs(1_800_000, undefined)).toBe(1_800_000);
    expect(jobBudgetMs(1_800_000, 3600)).toBe(1_800_000);
    expect(jobBudgetMs(1_800_000, 600)).toBe(585_000);
    expect(jobBudgetMs(1_800_000, 10)).toBe(1000);
  });
});
