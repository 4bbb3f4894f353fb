// The processes of the distributed mode besides the API: `dmarc worker` (runs jobs) and `dmarc scheduler` (queues
// scheduled ones). Both need PostgreSQL and Redis, answer /health on PORT when it is set, and stop gracefully.
import { workerIdentity } from '../jobs/queue.js';
import type { Config } from '../config/index.js';
import { openDatabase } from '../store/connect.js';
import { startBackground, defaultConcurrency, type Background } from './background.js';
import { createCache } from './cache.js';
import { startHealthServer, type HealthServer } from './health.js';
import { requireDistributed } from './jobs.js';
import { ensureCanListen, listenFailure } from './listen.js';
import { createLogger } from './logger.js';

export interface RunningProcess {
  background: Background;
  health: HealthServer | undefined;
  stop(): Promise<void>;
}

async function startRole(config: Config, role: 'worker' | 'scheduler', concurrency?: number): Promise<RunningProcess> {
  requireDistributed(config, role);
  const log = createLogger(config).child({ role });
  if (config.jobs.healthPort !== null) await ensureCanListen(config.server.host, config.jobs.healthPort);
  const db = await openDatabase(config);
  const { cache, close: closeCache } = createCache(config);
  let background: Background;
  try {
    background = await startBackground(
      config,
      { db, cache, log },
      { worker: role === 'worker', scheduler: role === 'scheduler', concurrency },
    );
  } catch (err) {
    await closeCache();
    await db.close();
    throw err;
  }
  let health: HealthServer | undefined;
  if (config.jobs.healthPort !== null) {
    try {
      health = await startHealthServer(config.jobs.healthPort, config.server.host, () => ({
        role,
        process: workerIdentity(),
        ...(role === 'scheduler' && background.scheduler
          ? {
              schedules: background.scheduler.mode,
              jobSchedulers: background.scheduler.activeSchedules,
              imapIdle: background.scheduler.idle,
            }
          : {}),
      }));
    } catch (err) {
      await background.stop(1000);
      await closeCache();
      await db.close();
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
        await background.stop(30_000);
        await health?.close();
        await closeCache();
        await db.close();
        log.info('stopped');
      })()),
  };
}

export function startWorker(config: Config, options: { concurrency?: number } = {}): Promise<RunningProcess> {
  return startRole(config, 'worker', options.concurrency);
}

export function startScheduler(config: Config): Promise<RunningProcess> {
  return startRole(config, 'scheduler');
}

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
