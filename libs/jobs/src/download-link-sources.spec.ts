import { refreshEvery } from './download-link-sources';

describe('refreshEvery', () => {
  it('keeps a value for the given time, then builds it again', async () => {
    let now = 0;
    let builds = 0;
    const value = refreshEvery(
      async () => ++builds,
      300_000,
      () => now,
    );

    expect(await value()).toBe(1);
    now = 299_999;
    expect(await value()).toBe(1);
    now = 300_000;
    expect(await value()).toBe(2);
  });

  it('does not keep a failed build: the next call tries again', async () => {
    let fail = true;
    const value = refreshEvery(
      async () => {
        if (fail) throw new Error('SSM throttled');
        return 'ok';
      },
      300_000,
      () => 0,
    );

    await expect(value()).rejects.toThrow('SSM throttled');
    fail = false;
    expect(await value()).toBe('ok');
  });

  it('keeps the last value when a refresh fails, and tries again on the next call', async () => {
    let now = 0;
    let builds = 0;
    let fail = false;
    const value = refreshEvery(
      async () => {
        builds += 1;
        if (fail) throw new Error('SSM throttled');
        return builds;
      },
      300_000,
      () => now,
    );

    expect(await value()).toBe(1);
    now = 300_000;
    fail = true;
    expect(await value()).toBe(1);
    fail = false;
    expect(await value()).toBe(3);
  });
});
