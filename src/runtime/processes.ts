// The processes of the distributed mode besides the API: `dmarc worker` (runs jobs) and `dmarc scheduler` (queues
// scheduled ones). Both need PostgreSQL and Redis (a Redis that does not answer ends the start), answer /health
// and /ready on PORT when it is set, and stop gracefully, within SHUTDOWN_GRACE_MS whatever Redis does.
import type { Redis } from 'ioredis';
import { scrapeMetrics } from '../events/metrics.js';
import { workerIdentity } from '../jobs/queue.js';
import { alertsByState, unfinishedRunsByState } from '../store/platform-counts.js';
import type { Config } from '../config/index.js';
import { openDatabase } from '../store/connect.js';
import { startBackground, defaultConcurrency, type Background } from './background.js';
import { createCache } from './cache.js';
import { startHealthServer, type HealthServer, type Readiness } from './health.js';
import { requireDistributed } from './jobs.js';
import { ensureCanListen, listenFailure } from './listen.js';
import { createLogger } from './logger.js';
import { closeRedis, connectRedis, redisAnswers } from './redis.js';
import { JOBS_GRACE_MS } from './serve.js';
import type { Database } from '../store/database.js';

export interface RunningProcess {
  background: Background;
  health: HealthServer | undefined;
  stop(): Promise<void>;
}

async function startRole(config: Config, role: 'worker' | 'scheduler', concurrency?: number): Promise<RunningProcess> {
  requireDistributed(config, role);
  const log = createLogger(config).child({ role });
  if (config.jobs.healthPort !== null) await ensureCanListen(config.server.host, config.jobs.healthPort);
  // Redis first: a Redis that does not answer ends the start at once, with one line naming it.
  const redis = await connectRedis(config.redisUrl!);
  let db: Database;
  try {
    db = await openDatabase(config, { log: { warn: (msg) => log.warn(msg) } });
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
  const { cache, close: closeCache } = createCache(config, redis);
  const closeAll = async (): Promise<void> => {
    await closeCache();
    await closeRedis(redis);
    await db.close();
  };
  let background: Background;
  try {
    background = await startBackground(
      config,
      { db, cache, log },
      { worker: role === 'worker', scheduler: role === 'scheduler', concurrency },
    );
  } catch (err) {
    await closeAll();
    throw err;
  }
  let health: HealthServer | undefined;
  if (config.jobs.healthPort !== null) {
    try {
      health = await startHealthServer(
        config.jobs.healthPort,
        config.server.host,
        () => ({
          role,
          process: workerIdentity(),
          ...(role === 'scheduler' && background.scheduler
            ? {
                schedules: background.scheduler.mode,
                jobSchedulers: background.scheduler.activeSchedules,
                imapIdle: background.scheduler.idle,
              }
            : {}),
        }),
        () => readiness(db, redis),
        {
          token: config.security.metricsToken,
          scrape: () =>
            scrapeMetrics({ queueDepth: () => unfinishedRunsByState(db), alertsByState: () => alertsByState(db) }),
        },
      );
    } catch (err) {
      await background.stop(1000);
      await closeAll();
      throw listenFailure(err, config.server.host, config.jobs.healthPort) ?? err;
    }
  }
  log.info(
    {
      process: workerIdentity(),
      ...(role === 'worker' ? { concurrency: concurrency ?? defaultConcurrency(config) } : {}),
      ...(health ? { health: `http://${config.server.host}:${health.port}/health` } : {}),
    },
    `dmarc ${role} started`,
  );
  let stopping: Promise<void> | undefined;
  return {
    background,
    health,
    stop: () =>
      (stopping ??= (async () => {
        log.info(role === 'worker' ? 'shutting down: finishing running jobs' : 'shutting down');
        await background.stop(JOBS_GRACE_MS);
        await health?.close();
        await closeAll();
        log.info('stopped');
      })()),
  };
}

/** How long each readiness check may take (so that /ready answers within 2 s). */
const CHECK_MS = 1500;

async function readiness(db: Database, redis: Redis): Promise<Readiness> {
  const [database, queue] = await Promise.all([databaseAnswers(db), redisAnswers(redis, CHECK_MS)]);
  if (!database) return { ok: false, code: 'database_unavailable', detail: 'the database does not answer' };
  if (!queue) return { ok: false, code: 'redis_unavailable', detail: 'Redis does not answer (job queue)' };
  return { ok: true };
}

async function databaseAnswers(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      db.query('SELECT 1').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CHECK_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function startWorker(config: Config, options: { concurrency?: number } = {}): Promise<RunningProcess> {
  return startRole(config, 'worker', options.concurrency);
}

export function startScheduler(config: Config): Promise<RunningProcess> {
  return startRole(config, 'scheduler');
}

/**
 * How long a stop may take after SIGTERM or SIGINT: the running jobs' JOBS_GRACE_MS, the requests' few seconds
 * and the connections' closing. Past it the process exits anyway (status 1), and so it does at a second signal.
 */
export const SHUTDOWN_GRACE_MS = JOBS_GRACE_MS + 10_000;

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/**
 * Waits for SIGTERM or SIGINT, then stops: within `graceMs`, or the process exits anyway, as it does at a
 * second signal. A stop that ended but left a connection behind that keeps the process alive ends it too.
 */
export async function stopOnSignal(stop: () => Promise<void>, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  await untilSignal();
  const force = (why: string): void => {
    process.stderr.write(`dmarc: ${why}: exiting without waiting further\n`);
    process.exit(1);
  };
  const deadline = setTimeout(() => force(`shutdown took longer than ${Math.round(graceMs / 1000)} s`), graceMs);
  deadline.unref();
  const again = (): void => force('second signal');
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  try {
    await stop();
  } finally {
    clearTimeout(deadline);
    process.off('SIGTERM', again);
    process.off('SIGINT', again);
  }
  // everything is closed: a handle left open (a socket Redis never answered) must not keep the process alive
  setTimeout(() => process.exit(), 1000).unref();
}
