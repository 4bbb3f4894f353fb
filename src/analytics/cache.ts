// Cache of analytics answers, keyed by route + normalised filters. In memory by default; in Redis when
// REDIS_URL is set, so that every API process shares it and a worker's invalidation reaches all of them.
// Invalidation bumps a generation number that is part of every key: old entries simply stop being read.
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

export interface CacheStats {
  backend: 'memory' | 'redis';
  hits: number;
  misses: number;
  invalidations: number;
  ttlSeconds: number;
}

export interface AnalyticsCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Called whenever a report is stored. */
  invalidate(): Promise<void>;
  stats(): Promise<CacheStats>;
  close(): Promise<void>;
}

export class MemoryCache implements AnalyticsCache {
  private readonly lru: LRUCache<string, string>;
  private generation = 0;
  private hits = 0;
  private misses = 0;
  private invalidations = 0;

  constructor(private readonly ttlSeconds: number) {
    this.lru = new LRUCache<string, string>({
      max: 5000,
      maxSize: 64 * 1024 * 1024,
      sizeCalculation: (v) => v.length * 2 || 1,
      ttl: Math.max(1, ttlSeconds) * 1000,
    });
  }

  get(key: string): Promise<string | undefined> {
    const v = this.ttlSeconds > 0 ? this.lru.get(`${this.generation}:${key}`) : undefined;
    if (v === undefined) this.misses++;
    else this.hits++;
    return Promise.resolve(v);
  }

  set(key: string, value: string): Promise<void> {
    if (this.ttlSeconds > 0) this.lru.set(`${this.generation}:${key}`, value);
    return Promise.resolve();
  }

  invalidate(): Promise<void> {
    this.generation++;
    this.invalidations++;
    this.lru.clear();
    return Promise.resolve();
  }

  stats(): Promise<CacheStats> {
    return Promise.resolve({
      backend: 'memory',
      hits: this.hits,
      misses: this.misses,
      invalidations: this.invalidations,
      ttlSeconds: this.ttlSeconds,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class RedisCache implements AnalyticsCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private async generation(): Promise<string> {
    return (await this.redis.get(`${this.prefix}:cache:gen`)) ?? '0';
  }

  async get(key: string): Promise<string | undefined> {
    if (this.ttlSeconds <= 0) {
      await this.redis.hincrby(`${this.prefix}:cache:stats`, 'misses', 1);
      return undefined;
    }
    const v = await this.redis.get(`${this.prefix}:cache:${await this.generation()}:${key}`);
    await this.redis.hincrby(`${this.prefix}:cache:stats`, v === null ? 'misses' : 'hits', 1);
    return v ?? undefined;
  }

  async set(key: string, value: string): Promise<void> {
    if (this.ttlSeconds <= 0) return;
    await this.redis.set(`${this.prefix}:cache:${await this.generation()}:${key}`, value, 'EX', this.ttlSeconds);
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
      invalidations: Number(h.invalidations ?? 0),
      ttlSeconds: this.ttlSeconds,
    };
  }

  async close(): Promise<void> {
    // the connection is owned by whoever created it
  }
}
