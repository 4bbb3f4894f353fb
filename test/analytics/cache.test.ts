// The analytics cache on both stores: hits, single flight for concurrent identical requests, answers computed
// across an invalidation never cached, failures shared but not cached, TTL 0 caching nothing, and each
// organisation's answers, counters and invalidations kept apart.
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryCache, RedisCache, type AnalyticsCache } from '../../src/analytics/cache.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

const haveRedis = await redisAvailable('the Redis analytics-cache tests');
const stores = haveRedis ? (['memory', 'redis'] as const) : (['memory'] as const);
const ORG = DEFAULT_ORG_ID;

/** A computation the test finishes when it wants, counting how often it ran. */
function gate<T>(value: T) {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  const g = {
    runs: 0,
    release,
    compute: async (): Promise<T> => {
      g.runs++;
      await opened;
      return value;
    },
  };
  return g;
}

describe.each(stores)('analytics cache in %s', (store) => {
  const redis = store === 'redis' ? new Redis(REDIS_URL, { maxRetriesPerRequest: 2 }) : undefined;
  const prefixes: string[] = [];
  const make = (ttl = 300): AnalyticsCache => {
    if (!redis) return new MemoryCache(ttl);
    const prefix = `dmarc_test_cache_${crypto.randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    return new RedisCache(redis, prefix, ttl);
  };

  afterAll(async () => {
    if (!redis) return;
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  it('computes once, then answers from the cache', async () => {
    const cache = make();
    let runs = 0;
    const compute = () => Promise.resolve({ n: ++runs });
    expect(await cache.getOrCompute(ORG, 'k', compute)).toEqual({ value: { n: 1 }, outcome: 'miss' });
    expect(await cache.getOrCompute(ORG, 'k', compute)).toEqual({ value: { n: 1 }, outcome: 'hit' });
    expect(await cache.getOrCompute(ORG, 'other', compute)).toEqual({ value: { n: 2 }, outcome: 'miss' });
    expect(await cache.stats(ORG)).toMatchObject({ backend: store, hits: 1, misses: 2, coalesced: 0 });
  });

  it('concurrent identical requests share one computation', async () => {
    const cache = make();
    const g = gate({ answer: 42 });
    const all = Promise.all(Array.from({ length: 20 }, () => cache.getOrCompute(ORG, 'same', g.compute)));
    // let every request reach the cache before the computation ends
    await new Promise((r) => setTimeout(r, 50));
    g.release();
    const results = await all;
    expect(g.runs).toBe(1);
    expect(results.every((r) => r.value.answer === 42)).toBe(true);
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'coalesced')).toHaveLength(19);
    expect(await cache.stats(ORG)).toMatchObject({ misses: 1, coalesced: 19, hits: 0 });
    expect((await cache.getOrCompute(ORG, 'same', g.compute)).outcome).toBe('hit');
  });

  it('an answer computed across an invalidation is not cached, and later requests do not join it', async () => {
    const cache = make();
    const before = gate('old');
    const first = cache.getOrCompute(ORG, 'k', before.compute);
    await new Promise((r) => setTimeout(r, 20));
    await cache.invalidate(ORG); // a report was stored while "old" was being computed
    const after = gate('new');
    const second = cache.getOrCompute(ORG, 'k', after.compute);
    await new Promise((r) => setTimeout(r, 20));
    before.release();
    after.release();
    expect(await first).toEqual({ value: 'old', outcome: 'miss' });
    expect(await second).toEqual({ value: 'new', outcome: 'miss' });
    expect(before.runs + after.runs).toBe(2);
    expect(await cache.getOrCompute(ORG, 'k', () => Promise.resolve('never'))).toEqual({
      value: 'new',
      outcome: 'hit',
    });
    expect((await cache.stats(ORG)).invalidations).toBe(1);
  });

  it('a failed computation fails every request that joined it and is not cached', async () => {
    const cache = make();
    let release!: () => void;
    const opened = new Promise<void>((r) => (release = r));
    const failing = async (): Promise<string> => {
      await opened;
      throw new Error('database went away');
    };
    const a = cache.getOrCompute(ORG, 'k', failing);
    const b = cache.getOrCompute(ORG, 'k', failing);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await expect(a).rejects.toThrow('database went away');
    await expect(b).rejects.toThrow('database went away');
    expect(await cache.getOrCompute(ORG, 'k', () => Promise.resolve('ok'))).toEqual({ value: 'ok', outcome: 'miss' });
  });

  it('with TTL 0 nothing is cached, but concurrent requests still share a computation', async () => {
    const cache = make(0);
    let runs = 0;
    const compute = () => Promise.resolve(++runs);
    expect((await cache.getOrCompute(ORG, 'k', compute)).outcome).toBe('miss');
    expect((await cache.getOrCompute(ORG, 'k', compute)).outcome).toBe('miss');
    expect(runs).toBe(2);
    const g = gate('x');
    const both = Promise.all([cache.getOrCompute(ORG, 'j', g.compute), cache.getOrCompute(ORG, 'j', g.compute)]);
    await new Promise((r) => setTimeout(r, 20));
    g.release();
    expect((await both).map((r) => r.outcome)).toEqual(['miss', 'coalesced']);
    expect(g.runs).toBe(1);
  });

  it("invalidating one organisation leaves another's cached answers readable, and vice versa", async () => {
    const cache = make();
    const other = ORG + 1;
    let runs = 0;
    const compute = (label: string) => () => Promise.resolve({ label, run: ++runs });
    // the same key in both organisations: two answers, never one shared
    expect(await cache.getOrCompute(ORG, 'summary', compute('one'))).toEqual({
      value: { label: 'one', run: 1 },
      outcome: 'miss',
    });
    expect(await cache.getOrCompute(other, 'summary', compute('two'))).toEqual({
      value: { label: 'two', run: 2 },
      outcome: 'miss',
    });

    await cache.invalidate(ORG);
    expect(await cache.getOrCompute(other, 'summary', compute('never'))).toEqual({
      value: { label: 'two', run: 2 },
      outcome: 'hit',
    });
    expect(await cache.getOrCompute(ORG, 'summary', compute('one again'))).toEqual({
      value: { label: 'one again', run: 3 },
      outcome: 'miss',
    });

    await cache.invalidate(other);
    expect(await cache.getOrCompute(ORG, 'summary', compute('never'))).toEqual({
      value: { label: 'one again', run: 3 },
      outcome: 'hit',
    });
    expect(await cache.getOrCompute(other, 'summary', compute('two again'))).toEqual({
      value: { label: 'two again', run: 4 },
      outcome: 'miss',
    });
    expect(runs).toBe(4);

    // each organisation's own counters
    expect(await cache.stats(ORG)).toMatchObject({ backend: store, hits: 1, misses: 2, invalidations: 1 });
    expect(await cache.stats(other)).toMatchObject({ backend: store, hits: 1, misses: 2, invalidations: 1 });
  });
});
