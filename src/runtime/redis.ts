// The Redis connections of a process (distributed mode, or `dmarc serve` with REDIS_URL): connected once at start
// — a Redis that does not answer ends the start with one clear line, as a bad DATABASE_URL does — then used
// without an offline queue, so that a request never waits for Redis to come back: while Redis is away a command
// fails at once and its caller decides (rate limits let the request through, /ready answers 503). Closing is
// bounded: a quit that Redis cannot answer gives way to a disconnect.
import { Redis } from 'ioredis';
import { AppError } from '../model/errors.js';

/** Redis does not answer (at start: the process does not start). The message names host and port, never secrets. */
export class RedisUnavailableError extends AppError {
  constructor(message: string) {
    super('redis_unavailable', message);
    this.name = 'RedisUnavailableError';
  }
}

/** "host:port" of a Redis URL (and "/db" when not 0): no user name, no password. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname.startsWith('[') ? u.hostname : u.hostname || 'localhost';
    const db = u.pathname.replace(/^\//, '');
    return `${host}:${u.port || '6379'}${db && db !== '0' ? `/${db}` : ''}`;
  } catch {
    return '(invalid REDIS_URL)';
  }
}

function reasonOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  // ioredis's aggregate "connect ECONNREFUSED ..." is clear; strip anything after a line break
  return m.split('\n')[0]!.trim() || 'no answer';
}

export interface ConnectOptions {
  /** How long the first connection may take (default 5 s). */
  timeoutMs?: number;
}

/**
 * A connected client (the first PING answered), or RedisUnavailableError within `timeoutMs`. Afterwards it
 * reconnects on its own; commands sent while it is away fail at once instead of waiting.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.min(timeoutMs, 10_000),
    // no retries before the first connection: it fails, and start-up says so
    retryStrategy: () => null,
  });
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await redis.connect();
        await redis.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new RedisUnavailableError(
      `cannot connect to Redis at ${redisAddress(url)}: ${reasonOf(errors[0] ?? err)} (REDIS_URL)`,
    );
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
  // From now on: reconnect forever (at most every 2 s), never crash on a connection error.
  redis.options.retryStrategy = (times: number) => Math.min(times * 100, 2000);
  redis.on('error', () => undefined);
  return redis;
}

/** QUIT, or a plain disconnect when Redis does not answer it within `timeoutMs`. */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const quit = await Promise.race([
    redis.quit().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!quit) redis.disconnect();
}

/** Whether Redis answers a PING within `timeoutMs`; at once false while the client is not connected. */
export async function redisAnswers(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      redis.ping().then((r) => r === 'PONG'),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
