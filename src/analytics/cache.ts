// Cache of analytics answers, keyed by route + normalised filters. In memory by default; in Redis when
// REDIS_URL is set, so that every API process shares it and a worker's invalidation reaches all of them.
// Invalidation bumps a generation number that is part of every key: old entries simply stop being read.
//
// Two things make a miss cheap for the database:
// - Concurrent requests for the same answer share one computation (single flight, per process): after an
//   import invalidates the cache, fifty dashboards asking for the same chart cost one query, not fifty.
// - An answer is stored under the generation read BEFORE it was computed, so a report stored while it was
//   being computed can never leave a stale answer in the cache.
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

export interface CacheStats {
  backend: 'memory' | 'redis';
  hits: number;
  misses: number;
  /** Requests that joined an identical computation already running in the same process. */
  coalesced: number;
  invalidations: number;
  ttlSeconds: number;
}

/** Where an answer came from: the cache, a computation of its own, or another request's computation. */
export type CacheOutcome = 'hit' | 'miss' | 'coalesced';

export interface AnalyticsCache {
  /** The answer for `key`: cached, being computed by another request, or computed now (and stored). */
  getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<{ value: T; outcome: CacheOutcome }>;
  /** Called whenever a report is stored. */
  invalidate(): Promise<void>;
  stats(): Promise<CacheStats>;
  close(): Promise<void>;
}

type Counter = 'hits' | 'misses' | 'coalesced';

/** The single-flight and generation logic, shared by both stores. */
abstract class GenerationalCache implements AnalyticsCache {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(protected readonly ttlSeconds: number) {}

  protected abstract generation(): Promise<string>;
  protected abstract read(generation: string, key: string): Promise<string | undefined>;
  protected abstract write(generation: string, key: string, value: string): Promise<void>;
  protected abstract count(counter: Counter): Promise<void>;
  abstract invalidate(): Promise<void>;
  abstract stats(): Promise<CacheStats>;
  abstract close(): Promise<void>;

  async getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<{ value: T; outcome: CacheOutcome }> {
    const gen = await this.generation();
    const hit = this.ttlSeconds > 0 ? await this.read(gen, key) : undefined;
    if (hit !== undefined) {
      await this.count('hits');
      return { value: JSON.parse(hit) as T, outcome: 'hit' };
    }
    const id = `${gen}:${key}`;
    const running = this.inflight.get(id) as Promise<T> | undefined;
    if (running !== undefined) {
      await this.count('coalesced');
      return { value: await running, outcome: 'coalesced' };
    }
    const computation = (async () => {
      try {
        const value = await compute();
        if (this.ttlSeconds > 0) await this.write(gen, key, JSON.stringify(value));
        return value;
      } finally {
        this.inflight.delete(id);
      }
    })();
    this.inflight.set(id, computation);
    await this.count('misses');
    return { value: await computation, outcome: 'miss' };
  }
}

export class MemoryCache extends GenerationalCache {
  private readonly lru: LRUCache<string, string>;
  private gen = 0;
  private readonly counters = { hits: 0, misses: 0, coalesced: 0, invalidations: 0 };

  constructor(ttlSeconds: number) {
    super(ttlSeconds);
    this.lru = new LRUCache<string, string>({
      max: 5000,
      maxSize: 64 * 1024 * 1024,
      sizeCalculation: (v) => v.length * 2 || 1,
      ttl: Math.max(1, ttlSeconds) * 1000,
    });
  }

  protected generation(): Promise<string> {
    return Promise.resolve(String(this.gen));
  }

  protected read(generation: string, key: string): Promise<string | undefined> {
    return Promise.resolve(this.lru.get(`${generation}:${key}`));
  }

  protected write(generation: string, key: string, value: string): Promise<void> {
    // computed before the last invalidation: it may already be stale
    if (generation === String(this.gen)) this.lru.set(`${generation}:${key}`, value);
    return Promise.resolve();
  }

  protected count(counter: Counter): Promise<void> {
    this.counters[counter]++;
    return Promise.resolve();
  }

  invalidate(): Promise<void> {
    this.gen++;
    this.counters.invalidations++;
    this.lru.clear();
    return Promise.resolve();
  }

  stats(): Promise<CacheStats> {
    return Promise.resolve({ backend: 'memory', ...this.counters, ttlSeconds: this.ttlSeconds });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisCache extends GenerationalCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    ttlSeconds: number,
  ) {
    super(ttlSeconds);
  }

  protected async generation(): Promise<string> {
    return (await this.redis.get(`${this.prefix}:cache:gen`)) ?? '0';
  }

  protected async read(generation: string, key: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:cache:${generation}:${key}`)) ?? undefined;
  }

  protected async write(generation: string, key: string, value: string): Promise<void> {
    // under an old generation the entry is never read again and expires with its TTL
    await this.redis.set(`${this.prefix}:cache:${generation}:${key}`, value, 'EX', this.ttlSeconds);
  }

  protected async count(counter: Counter): Promise<void> {
    await this.redis.hincrby(`${this.prefix}:cache:stats`, counter, 1);
  }

  async invalidate(): Promise<void> {
    await this.redis.incr(`${this.prefix}:cache:gen`);
    await this.redis.hincrby(`${this.prefix}:cache:stats`, 'invalidations', 1);
  }

  async stats(): Promise<CacheStats> {
    const h = await this.redis.hgetall(`${this.prefix}:cache:stats`);
    return {
      backend: 'redis',
      hits: Number(h.hits ?? 0),
      misses: Number(h.misses ?? 0),
      coalesced: Number(h.coalesced ?? 0),
      invalidations: Number(h.invalidations ?? 0),
      ttlSeconds: this.ttlSeconds,
    };
  }

  async close(): Promise<void> {
    // the connection is owned by whoever created it
  }
}
