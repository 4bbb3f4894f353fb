// `dmarc serve`: the whole product in one process — API, worker and scheduler (in-process queue by default,
// BullMQ when REDIS_URL is set) — with a graceful shutdown on SIGTERM/SIGINT. `dmarc api` is the same without
// the background roles.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../api/app.js';
import { createAuthService } from '../auth/create.js';
import { describeDatabase, type Config } from '../config/index.js';
import { SourceEnricher } from '../enrich/enricher.js';
import { startBackground, type Background, type BackgroundRoles } from './background.js';
import { openDatabase } from '../store/connect.js';
import { ensureFirstAdmin } from './bootstrap-admin.js';
import { createCache } from './cache.js';
import { REDACT_PATHS, createLogger } from './logger.js';
import { reportStoredSink } from './report-sink.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  background: Background;
  /** The process's IP enrichment (live lookups of addresses, for the API). */
  enricher: SourceEnricher;
  stop(): Promise<void>;
}

export async function startServer(
  config: Config,
  roles: BackgroundRoles = { worker: true, scheduler: true },
): Promise<RunningServer> {
  const log = createLogger(config);
  // Opened first: a city database (DMARC_GEOIP_CITY_DB) that is not one stops start-up with one line.
  const enricher = await SourceEnricher.open(config.enrich);
  const db = await openDatabase(config);
  const { cache, close: closeCache } = createCache(config);
  const background = await startBackground(config, { db, cache, log, enricher }, roles);
  const queue = background.queue;

  // Rate limits and login failures are shared through Redis when there is one.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  redis?.on('error', () => undefined);
  const auth = await createAuthService(config, db, redis);
  await ensureFirstAdmin(auth, config, db);
  const app = await buildApp(
    { config, db, queue, cache, auth, sink: reportStoredSink({ cache, log }), ...(redis ? { redis } : {}) },
    { logger: { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } } },
  );
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await background.stop(1000);
    await closeCache();
    await redis?.quit().catch(() => undefined);
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = `http://${host}:${port}`;
  log.info({ url, database: describeDatabase(config) }, 'dmarc server listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down: no new requests, finishing running work');
      await app.close(); // stops accepting, waits for requests in flight
      // the scheduler stops; running jobs finish (or are released to other workers); queued ones stay
      await background.stop(30_000);
      await closeCache();
      await redis?.quit().catch(() => undefined);
      await db.close();
      log.info('stopped');
    })());
  return { app, url, background, enricher, stop };
}
