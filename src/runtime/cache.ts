import { Redis } from 'ioredis';
import { MemoryCache, RedisCache, type AnalyticsCache } from '../analytics/cache.js';
import type { Config } from '../config/index.js';

/** In memory by default; Redis (shared by every process) when REDIS_URL is set. */
export function createCache(config: Config): { cache: AnalyticsCache; close: () => Promise<void> } {
  if (!config.redisUrl) return { cache: new MemoryCache(config.cache.ttlSeconds), close: async () => undefined };
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', () => undefined); // reconnects on its own; failures surface on the next command
  return {
    cache: new RedisCache(redis, config.redisPrefix, config.cache.ttlSeconds),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
