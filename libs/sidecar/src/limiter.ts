import { QueueFullError } from './errors';

/**
 * At most `concurrency` tasks run at once; up to `queueSize` more wait in arrival order; beyond that, refuse.
 *
 * @example const limiter = new Limiter(4, 16); await limiter.run(() => job());
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueSize) {
        throw new QueueFullError(`${this.running} jobs running and ${this.waiting.length} waiting`);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** Resolves when nothing runs or waits any more. */
  async idle(pollMs = 50): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}
