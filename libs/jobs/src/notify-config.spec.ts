import { ConfigError } from '@gen3d/runtime';
import { extractConfigOf } from './extract-config';
import { notifyConfigOf, parseNotifyConfig } from './notify-config';

const seed = {
  DATA_BUCKET: 'gen3d-data-bucket',
  ADMIN_EMAIL: 'info@2112-lab.com',
  SOURCE_EMAIL: 'noreply@genesis3d.com',
};

describe('parseNotifyConfig', () => {
  it('reads the seed environment; links last 7 days by default', () => {
    expect(parseNotifyConfig(seed)).toEqual({
      dataBucket: 'gen3d-data-bucket',
      adminEmail: 'info@2112-lab.com',
      sourceEmail: 'noreply@genesis3d.com',
      linkExpirySeconds: 604800,
      retentionDays: 30,
    });
    expect(parseNotifyConfig({ ...seed, RETENTION_DAYS: '7' }).retentionDays).toBe(7);
  });

  it.each([
    [{ ...seed, SOURCE_EMAIL: undefined }, /SOURCE_EMAIL is not set/],
    [{ ...seed, DATA_BUCKET: '' }, /DATA_BUCKET is not set/],
    [{ ...seed, LINK_EXPIRY_SECONDS: '700000' }, /LINK_EXPIRY_SECONDS must be an integer from 60 to 604800/],
    [{ ...seed, RETENTION_DAYS: '0' }, /RETENTION_DAYS must be an integer from 1 to 3650/],
  ])('refuses %#: the variable is named', (env, message) => {
    expect(() => parseNotifyConfig(env)).toThrow(ConfigError);
    expect(() => parseNotifyConfig(env)).toThrow(message);
  });
});

describe('the notify and extract settings given typed (the local stack)', () => {
  const typed = {
    dataBucket: 'gen3d-data-bucket',
    adminEmail: 'admin@example.com',
    sourceEmail: 'no-reply@example.com',
    linkExpirySeconds: 3600,
    webUrl: 'http://127.0.0.1:4300/',
  };

  it('are checked by the same rules as the environment', () => {
    expect(notifyConfigOf(typed)).toEqual({ ...typed, retentionDays: 30 });
    expect(notifyConfigOf({ ...typed, retentionDays: 90 }).retentionDays).toBe(90);
    expect(() => notifyConfigOf({ ...typed, retentionDays: 0 })).toThrow(/RETENTION_DAYS/);
    expect(() => notifyConfigOf({ ...typed, linkExpirySeconds: 8 * 24 * 3600 })).toThrow(
      /LINK_EXPIRY_SECONDS/,
    );
    expect(() => notifyConfigOf({ ...typed, webUrl: 'http://example.com/' })).toThrow(
      /WEB_URL must use https/,
    );
    expect(() => parseNotifyConfig({ ...seedOf(typed), WEB_URL: 'http://example.com/' })).toThrow(
      /WEB_URL must use https/,
    );
  });

  it('keep the extract core invocation timeout below the TTL', () => {
    const extract = {
      endpointName: 'Gen3DSAMAsyncEndpoint',
      dataBucket: 'gen3d-data-bucket',
      maxUploadBytes: 1024,
      requestTtlSeconds: 600,
      invocationTimeoutSeconds: 600,
      limits: { maxActiveJobsPerUser: 3, addressDailyCap: 20 },
    };
    expect(() => extractConfigOf(extract)).toThrow(/must be below REQUEST_TTL_SECONDS/);
    expect(() =>
      extractConfigOf({
        ...extract,
        invocationTimeoutSeconds: 60,
        limits: { maxActiveJobsPerUser: 0, addressDailyCap: 1 },
      }),
    ).toThrow(/MAX_ACTIVE_JOBS_PER_USER/);
    expect(extractConfigOf({ ...extract, invocationTimeoutSeconds: 60 }).maxUploadBytes).toBe(1024);
  });
});

function seedOf(typed: { dataBucket: string; adminEmail: string; sourceEmail: string }) {
  return { DATA_BUCKET: typed.dataBucket, ADMIN_EMAIL: typed.adminEmail, SOURCE_EMAIL: typed.sourceEmail };
}
