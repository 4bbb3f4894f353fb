// Counts failures (logins) in fixed windows, per key (an IP, an account). In memory, or in Redis so that
// every API process shares the count.
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

export interface FailureCounter {
  /** Failures so far in the current window and the seconds until it ends. */
  get(key: string): Promise<{ count: number; retryAfterSeconds: number }>;
  increment(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export class MemoryFailureCounter implements FailureCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  private current(key: string): { count: number; endsAt: number } | undefined {
    const w = this.windows.get(key);
    if (w && w.endsAt > this.clock.now().getTime()) return w;
    if (w) this.windows.delete(key);
    return undefined;
  }

  get(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    const w = this.current(key);
    const now = this.clock.now().getTime();
    return Promise.resolve({ count: w?.count ?? 0, retryAfterSeconds: w ? Math.ceil((w.endsAt - now) / 1000) : 0 });
  }

  increment(key: string): Promise<number> {
    const w = this.current(key) ?? { count: 0, endsAt: this.clock.now().getTime() + this.windowSeconds * 1000 };
    w.count++;
    this.windows.set(key, w);
    if (this.windows.size > 100_000) this.prune();
    return Promise.resolve(w.count);
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  private prune(): void {
    const now = this.clock.now().getTime();
    for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
  }
}

export class RedisFailureCounter implements FailureCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowSeconds: number,
  ) {}

  private k(key: string): string {
    return `${this.prefix}:fail:${key}`;
  }

  async get(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    const [count, ttl] = await Promise.all([this.redis.get(this.k(key)), this.redis.ttl(this.k(key))]);
    return { count: Number(count ?? 0), retryAfterSeconds: ttl > 0 ? ttl : 0 };
  }

  async increment(key: string): Promise<number> {
    const n = await this.redis.incr(this.k(key));
    if (n === 1) await this.redis.expire(this.k(key), this.windowSeconds);
    return n;
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }
}
