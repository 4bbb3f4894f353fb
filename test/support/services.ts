// Which real servers the tests can use. On a fresh machine without them, suites skip with a clear message;
// with REQUIRE_SERVICES=1 (CI) a missing server is an error instead.
import { Redis } from 'ioredis';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';

export async function postgresReachable(url = POSTGRES_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Database URL with another database name. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** true when Redis answers; otherwise warns that `skipped` is skipped, or throws under REQUIRE_SERVICES=1. */
export async function redisAvailable(skipped: string): Promise<boolean> {
  if (await redisReachable()) return true;
  if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but Redis is not reachable at ${REDIS_URL} (${skipped})`);
  console.warn(`Redis not reachable at ${REDIS_URL}: ${skipped} skipped`);
  return false;
}
