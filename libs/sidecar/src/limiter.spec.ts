import { QueueFullError } from './errors';
import { Limiter } from './limiter';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('Limiter', () => {
  it('never runs more than its concurrency and runs every task', async () => {
    const limiter = new Limiter(4, 8);
    let now = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        limiter.run(async () => {
          now += 1;
          peak = Math.max(peak, now);
          await tick();
          now -= 1;
          return i;
        }),
      ),
    );
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(limiter.active).toBe(0);
  });

  it('refuses work when the queue is full', async () => {
    const limiter = new Limiter(1, 1);
    const first = limiter.run(tick);
    const second = limiter.run(tick);
    await expect(limiter.run(tick)).rejects.toBeInstanceOf(QueueFullError);
    await Promise.all([first, second]);
    await expect(limiter.run(async () => 'again')).resolves.toBe('again');
  });

  it('frees its slot when a task fails', async () => {
    const limiter = new Limiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 1)).resolves.toBe(1);
  });
});
