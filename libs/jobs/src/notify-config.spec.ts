import { ConfigError } from '@gen3d/runtime';
import { parseNotifyConfig } from './notify-config';

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
    });
  });

  it.each([
    [{ ...seed, SOURCE_EMAIL: undefined }, /SOURCE_EMAIL is not set/],
    [{ ...seed, DATA_BUCKET: '' }, /DATA_BUCKET is not set/],
    [{ ...seed, LINK_EXPIRY_SECONDS: '700000' }, /LINK_EXPIRY_SECONDS must be an integer from 60 to 604800/],
  ])('refuses %#: the variable is named', (env, message) => {
    expect(() => parseNotifyConfig(env)).toThrow(ConfigError);
    expect(() => parseNotifyConfig(env)).toThrow(message);
  });
});
