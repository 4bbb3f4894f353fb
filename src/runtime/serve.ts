// `dmarc serve`: the whole product in one process — API, worker and scheduler (in-process queue by default,
// BullMQ when REDIS_URL is set) — with a graceful shutdown on SIGTERM/SIGINT. `dmarc api` is the same without
// the background roles.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../api/app.js';
import { createAuthService } from '../auth/create.js';
import { describeDatabase, type Config } from '../config/index.js';
import { SourceEnricher } from '../enrich/enricher.js';
import { startBackground, type Background, type BackgroundRoles } from './background.js';
import { openDatabase } from '../store/connect.js';
import type { Database } from '../store/database.js';
import { ensureFirstAdmin } from './bootstrap-admin.js';
import { createCache } from './cache.js';
import { ensureCanListen, listenFailure } from './listen.js';
import { REDACT_PATHS, createLogger } from './logger.js';
import { closeRedis, connectRedis } from './redis.js';
import { reportStoredSink } from './report-sink.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  background: Background;
  /** The process's IP enrichment (live lookups of addresses, for the API). */
  enricher: SourceEnricher;
  stop(): Promise<void>;
}

/** Requests still running when the server stops get this long; then their connections are closed. */
const REQUESTS_GRACE_MS = 5000;
/** Running jobs get this long; then they are let go (another worker, or the next start, runs them again). */
export const JOBS_GRACE_MS = 30_000;

export async function startServer(
  config: Config,
  roles: BackgroundRoles = { worker: true, scheduler: true },
): Promise<RunningServer> {
  const log = createLogger(config);
  // Before anything is opened or created: a busy port is said at once, and before a one-time password is printed.
  await ensureCanListen(config.server.host, config.server.port);
  // A city database (DMARC_GEOIP_CITY_DB) that is not one stops start-up with one line.
  const enricher = await SourceEnricher.open(config.enrich);
  // Redis next: it fails fast, before the database (a PGlite data dir) is opened and locked.
  // Rate limits, login failures and the cache share this connection.
  const redis: Redis | undefined = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  let db: Database;
  try {
    // (a lock taken over from a dead process is said in the log, not on stderr)
    db = await openDatabase(config, { log: { warn: (msg) => log.warn(msg) } });
  } catch (err) {
    if (redis) await closeRedis(redis);
    throw err;
  }
  const { cache, close: closeCache } = createCache(config, redis);
  const closeAll = async (): Promise<void> => {
    await closeCache();
    if (redis) await closeRedis(redis);
    await db.close();
  };
  let background: Background;
  try {
    background = await startBackground(config, { db, cache, log, enricher }, roles);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const queue = background.queue;

  let app: FastifyInstance | undefined;
  try {
    const auth = await createAuthService(config, db, redis);
    app = await buildApp(
      { config, db, queue, cache, auth, sink: reportStoredSink({ cache, log }), ...(redis ? { redis } : {}) },
      { logger: { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } } },
    );
    await app.listen({ host: config.server.host, port: config.server.port });
    // Only once the server listens (another program may take the port after the check above).
    await ensureFirstAdmin(auth, config, db);
  } catch (err) {
    await app?.close().catch(() => undefined);
    await background.stop(1000);
    await closeAll();
    throw listenFailure(err, config.server.host, config.server.port) ?? err;
  }
  const server = app;
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = `http://${host}:${port}`;
  log.info({ url, database: describeDatabase(config) }, 'dmarc server listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down: no new requests, finishing running work');
      // stops accepting, waits for requests in flight (at most REQUESTS_GRACE_MS)
      const closing = server.close();
      const timer = setTimeout(() => server.server.closeAllConnections(), REQUESTS_GRACE_MS);
      await closing;
      clearTimeout(timer);
      // the scheduler stops; running jobs finish (or are released to other workers); queued ones stay
      await background.stop(JOBS_GRACE_MS);
      await closeAll();
      log.info('stopped');
    })());
  return { app: server, url, background, enricher, stop };
}
