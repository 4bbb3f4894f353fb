import type { Redis } from 'ioredis';
import type { Config } from '../config/index.js';
import type { Database } from '../store/database.js';
import type { Clock } from './clock.js';
import { MemoryFailureCounter, RedisFailureCounter } from './failure-counter.js';
import { loadJwtSecret } from './secret.js';
import { AuthService } from './service.js';

/** The auth service as configured: key from JWT_SECRET or the data dir, login failures in Redis when shared. */
export async function createAuthService(
  config: Config,
  db: Database,
  redis?: Redis,
  extra: { clock?: Clock; bcryptCost?: number } = {},
): Promise<AuthService> {
  return new AuthService(db, {
    secret: await loadJwtSecret(config),
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    refreshReuseGraceSeconds: config.auth.refreshReuseGraceSeconds,
    loginMaxFailures: config.security.loginMaxFailures,
    maxKeysPerUser: config.security.maxKeysPerUser,
    failures: redis
      ? new RedisFailureCounter(redis, config.redisPrefix)
      : extra.clock
        ? new MemoryFailureCounter(extra.clock)
        : undefined,
    ...extra,
  });
}
