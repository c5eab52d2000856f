import { ConfigError, parseLocalStackConfig } from './config';

describe('parseLocalStackConfig', () => {
  it('keeps files RETENTION_DAYS days, 30 unless set, as the AWS deployment does', () => {
    expect(parseLocalStackConfig({}, '/repo').retentionDays).toBe(30);
    expect(parseLocalStackConfig({ RETENTION_DAYS: '7' }, '/repo').retentionDays).toBe(7);
    expect(() => parseLocalStackConfig({ RETENTION_DAYS: '0' }, '/repo')).toThrow(ConfigError);
    expect(() => parseLocalStackConfig({ RETENTION_DAYS: 'a month' }, '/repo')).toThrow(/RETENTION_DAYS/);
  });
});
