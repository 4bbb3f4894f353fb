import { Redis } from 'ioredis';
import { MemoryCache, RedisCache, type AnalyticsCache } from '../analytics/cache.js';
import type { Config } from '../config/index.js';

/**
 * In memory by default; Redis (shared by every process) when REDIS_URL is set — on `redis`, the process's own
 * connection, when given (closing the cache leaves it open), else on a connection of its own.
 */
export function createCache(config: Config, redis?: Redis): { cache: AnalyticsCache; close: () => Promise<void> } {
  if (!config.redisUrl) return { cache: new MemoryCache(config.cache.ttlSeconds), close: async () => undefined };
  if (redis)
    return { cache: new RedisCache(redis, config.redisPrefix, config.cache.ttlSeconds), close: async () => undefined };
  const own = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
  own.on('error', () => undefined); // reconnects on its own; failures surface on the next command
  return {
    cache: new RedisCache(own, config.redisPrefix, config.cache.ttlSeconds),
    close: async () => {
      await own.quit().catch(() => own.disconnect());
    },
  };
}
