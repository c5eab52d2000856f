import { parseLocalStackConfig } from './config';
import { coreConfigsOf } from './stack';

describe('coreConfigsOf', () => {
  it('gives the notify core the retention the sweeper keeps files for, so the email says the same date', () => {
    const config = parseLocalStackConfig({ RETENTION_DAYS: '7' }, '/repo');
    expect(coreConfigsOf(config, 'http://127.0.0.1:4300/').notifyConfig.retentionDays).toBe(7);
    const defaults = parseLocalStackConfig({}, '/repo');
    expect(coreConfigsOf(defaults, 'http://127.0.0.1:4300/').notifyConfig.retentionDays).toBe(30);
  });
});
