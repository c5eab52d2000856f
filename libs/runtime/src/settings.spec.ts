import { ConfigError } from './errors';
import * as settings from './settings';

const { checkSettings, integerSetting, optionalSetting, parsedSetting, readSettings, textSetting } = settings;

// One definition per setting: read from an environment or given typed, the same rule refuses the same value.
const SETTINGS = {
  bucket: textSetting('DATA_BUCKET', /^[a-z0-9-]{3,63}$/, 'an S3 bucket name'),
  seconds: integerSetting('LINK_EXPIRY_SECONDS', 3600, 60, 7200),
  url: optionalSetting(
    parsedSetting(
      'WEB_URL',
      (raw) => {
        if (!raw.startsWith('https://')) throw new ConfigError('WEB_URL must use https');
        return raw;
      },
      'the web app',
    ),
  ),
};

describe('settings', () => {
  it('reads each setting with its default', () => {
    expect(readSettings({ DATA_BUCKET: 'gen3d-data' }, SETTINGS)).toEqual({
      bucket: 'gen3d-data',
      seconds: 3600,
      url: undefined,
    });
  });

  it('refuses the same values from the environment and typed, naming the variable', () => {
    const env = { DATA_BUCKET: 'gen3d-data', LINK_EXPIRY_SECONDS: '30' };
    expect(() => readSettings(env, SETTINGS)).toThrow(
      /LINK_EXPIRY_SECONDS must be an integer from 60 to 7200/,
    );
    const typed = { bucket: 'gen3d-data', seconds: 30, url: undefined };
    expect(() => checkSettings(typed, SETTINGS)).toThrow(
      /LINK_EXPIRY_SECONDS must be an integer from 60 to 7200/,
    );
    expect(() => checkSettings({ ...typed, seconds: 60, bucket: 'No' }, SETTINGS)).toThrow(
      /DATA_BUCKET is not an S3 bucket name/,
    );
    expect(() => checkSettings({ ...typed, seconds: 60, url: 'http://x' }, SETTINGS)).toThrow(ConfigError);
    expect(checkSettings({ ...typed, seconds: 61, url: 'https://x/' }, SETTINGS)).toEqual({
      bucket: 'gen3d-data',
      seconds: 61,
      url: 'https://x/',
    });
  });

  it('says a required setting is not set', () => {
    expect(() => readSettings({ DATA_BUCKET: '' }, SETTINGS)).toThrow(/DATA_BUCKET is not set/);
    expect(() => readSettings({}, { url: parsedSetting('WEB_URL', (raw) => raw, 'the web app') })).toThrow(
      /WEB_URL is not set \(the web app\)/,
    );
  });
});
