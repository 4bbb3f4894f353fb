// Cache of analytics answers, per organisation, keyed by route + normalised filters. In memory by default; in
// Redis when REDIS_URL is set, so that every API process shares it and a worker's invalidation reaches all of them.
// Invalidation bumps the organisation's generation number, part of every key of that organisation: its old entries
// simply stop being read, and other organisations' entries are untouched.
//
// Two things make a miss cheap for the database:
// - Concurrent requests for the same answer share one computation (single flight, per process): after an
//   import invalidates the cache, fifty dashboards asking for the same chart cost one query, not fifty.
// - An answer is stored under the generation read BEFORE it was computed, so a report stored while it was
//   being computed can never leave a stale answer in the cache.
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import { cacheRequests } from '../events/metrics.js';

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
  /** The organisation's answer for `key`: cached, being computed by another request, or computed now (and stored). */
  getOrCompute<T>(orgId: number, key: string, compute: () => Promise<T>): Promise<{ value: T; outcome: CacheOutcome }>;
  /** Called whenever a report of the organisation is stored (or its data changed otherwise). */
  invalidate(orgId: number): Promise<void>;
  /** The organisation's counters. */
  stats(orgId: number): Promise<CacheStats>;
  close(): Promise<void>;
}

type Counter = 'hits' | 'misses' | 'coalesced';

/** The single-flight and generation logic, shared by both stores. */
abstract class GenerationalCache implements AnalyticsCache {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(protected readonly ttlSeconds: number) {}

  /** "orgId:generation": the namespace of the organisation's current entries. */
  protected abstract generation(orgId: number): Promise<string>;
  protected abstract read(namespace: string, key: string): Promise<string | undefined>;
  protected abstract write(orgId: number, namespace: string, key: string, value: string): Promise<void>;
  protected abstract count(orgId: number, counter: Counter): Promise<void>;
  abstract invalidate(orgId: number): Promise<void>;
  abstract stats(orgId: number): Promise<CacheStats>;
  abstract close(): Promise<void>;

  async getOrCompute<T>(
    orgId: number,
    key: string,
    compute: () => Promise<T>,
  ): Promise<{ value: T; outcome: CacheOutcome }> {
    const ns = await this.generation(orgId);
    const hit = this.ttlSeconds > 0 ? await this.read(ns, key) : undefined;
    if (hit !== undefined) {
      await this.count(orgId, 'hits');
      cacheRequests.inc({ outcome: 'hit' });
      return { value: JSON.parse(hit) as T, outcome: 'hit' };
    }
    const id = `${ns}:${key}`;
    const running = this.inflight.get(id) as Promise<T> | undefined;
    if (running !== undefined) {
      await this.count(orgId, 'coalesced');
      cacheRequests.inc({ outcome: 'coalesced' });
      return { value: await running, outcome: 'coalesced' };
    }
    const computation = (async () => {
      try {
        const value = await compute();
        if (this.ttlSeconds > 0) await this.write(orgId, ns, key, JSON.stringify(value));
        return value;
      } finally {
        this.inflight.delete(id);
      }
    })();
    this.inflight.set(id, computation);
    await this.count(orgId, 'misses');
    cacheRequests.inc({ outcome: 'miss' });
    return { value: await computation, outcome: 'miss' };
  }
}

const emptyCounters = () => ({ hits: 0, misses: 0, coalesced: 0, invalidations: 0 });

export class MemoryCache extends GenerationalCache {
  private readonly lru: LRUCache<string, string>;
  private readonly gens = new Map<number, number>();
  private readonly counters = new Map<number, ReturnType<typeof emptyCounters>>();

  constructor(ttlSeconds: number) {
    super(ttlSeconds);
    this.lru = new LRUCache<string, string>({
      max: 5000,
      maxSize: 64 * 1024 * 1024,
      sizeCalculation: (v) => v.length * 2 || 1,
      ttl: Math.max(1, ttlSeconds) * 1000,
    });
  }

  private namespace(orgId: number): string {
    return `${orgId}:${this.gens.get(orgId) ?? 0}`;
  }

  private countersOf(orgId: number): ReturnType<typeof emptyCounters> {
    let c = this.counters.get(orgId);
    if (!c) this.counters.set(orgId, (c = emptyCounters()));
    return c;
  }

  protected generation(orgId: number): Promise<string> {
    return Promise.resolve(this.namespace(orgId));
  }

  protected read(namespace: string, key: string): Promise<string | undefined> {
    return Promise.resolve(this.lru.get(`${namespace}:${key}`));
  }

  protected write(orgId: number, namespace: string, key: string, value: string): Promise<void> {
    // computed before the organisation's last invalidation: it may already be stale
    if (namespace === this.namespace(orgId)) this.lru.set(`${namespace}:${key}`, value);
    return Promise.resolve();
  }

  protected count(orgId: number, counter: Counter): Promise<void> {
    this.countersOf(orgId)[counter]++;
    return Promise.resolve();
  }

  invalidate(orgId: number): Promise<void> {
    const old = `${this.namespace(orgId)}:`;
    this.gens.set(orgId, (this.gens.get(orgId) ?? 0) + 1);
    this.countersOf(orgId).invalidations++;
    // free the organisation's old entries now (they would never be read again anyway)
    for (const k of [...this.lru.keys()]) if (k.startsWith(old)) this.lru.delete(k);
    return Promise.resolve();
  }

  stats(orgId: number): Promise<CacheStats> {
    return Promise.resolve({ backend: 'memory', ...this.countersOf(orgId), ttlSeconds: this.ttlSeconds });
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

  protected async generation(orgId: number): Promise<string> {
    return `${orgId}:${(await this.redis.get(`${this.prefix}:cache:gen:${orgId}`)) ?? '0'}`;
  }

  protected async read(namespace: string, key: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:cache:${namespace}:${key}`)) ?? undefined;
  }

  protected async write(_orgId: number, namespace: string, key: string, value: string): Promise<void> {
    // under an old generation the entry is never read again and expires with its TTL
    await this.redis.set(`${this.prefix}:cache:${namespace}:${key}`, value, 'EX', this.ttlSeconds);
  }

  protected async count(orgId: number, counter: Counter): Promise<void> {
    await this.redis.hincrby(`${this.prefix}:cache:stats:${orgId}`, counter, 1);
  }

  async invalidate(orgId: number): Promise<void> {
    await this.redis.incr(`${this.prefix}:cache:gen:${orgId}`);
    await this.redis.hincrby(`${this.prefix}:cache:stats:${orgId}`, 'invalidations', 1);
  }

  async stats(orgId: number): Promise<CacheStats> {
    const h = await this.redis.hgetall(`${this.prefix}:cache:stats:${orgId}`);
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
