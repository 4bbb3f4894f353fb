// The background roles of a process: the worker (runs jobs) and the scheduler (puts the scheduled tasks on their
// schedules, watches IMAP IDLE). `dmarc serve` runs both beside the API; `dmarc worker` and `dmarc scheduler` run
// one each; `dmarc api` none (it only queues). Embedded mode: the in-process queue, the scheduler's own timers,
// no lock (one process). Distributed mode: BullMQ, whose job schedulers run the schedules; schedulers hold a lease
// in Redis only for the IMAP IDLE connections, when a mailbox has IDLE on.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AnalyticsCache } from '../analytics/cache.js';
import type { Config } from '../config/index.js';
import { SourceEnricher } from '../enrich/enricher.js';
import { IdleWatcher } from '../ingest/imap/idle.js';
import { MaildirWatcher } from '../ingest/mailboxes/maildir.js';
import { errorText } from '../jobs/history.js';
import type { JobQueue } from '../jobs/queue.js';
import { queueStaleIdentifications } from '../jobs/tasks/identify-senders.js';
import { sweepPendingKey } from '../jobs/tasks/sweep-pending.js';
import { RedisLeaderLock, Scheduler, leaderKey } from '../jobs/scheduler.js';
import type { Database } from '../store/database.js';
import { findOrgBySlug } from '../store/organizations.js';
import { failInterruptedRuns } from '../store/task-runs.js';
import type { DebouncedWarmup } from './cache-warmup.js';
import { createQueue, handlersFor } from './jobs.js';
import { BullMqQueue } from '../jobs/bullmq-queue.js';
import { closeRedis } from './redis.js';

export interface BackgroundRoles {
  worker: boolean;
  scheduler: boolean;
  /** Jobs run at once by the worker (default: DMARC_WORKER_CONCURRENCY, else 1 on PGlite and 2 otherwise). */
  concurrency?: number;
}

export interface Background {
  queue: JobQueue;
  scheduler: Scheduler | undefined;
  /** Stops the scheduler, then the worker (running jobs finish, at most `timeoutMs`), then the queue. */
  stop(timeoutMs?: number): Promise<void>;
}

export function defaultConcurrency(config: Config): number {
  return config.jobs.concurrency ?? (config.database.kind === 'pglite' ? 1 : 2);
}

export async function startBackground(
  config: Config,
  deps: { db: Database; cache: AnalyticsCache; log: Logger; enricher?: SourceEnricher },
  roles: BackgroundRoles,
): Promise<Background> {
  const { db, cache, log } = deps;
  // A city database that is not one stops a worker's start-up, before it takes any job.
  const enricher = roles.worker ? (deps.enricher ?? (await SourceEnricher.open(config.enrich))) : undefined;
  const { queue } = createQueue(config, db, log);
  if (queue.kind === 'in-process') {
    // Runs of a previous embedded process can never finish; their files are swept again below.
    const n = await failInterruptedRuns(db);
    if (n > 0) log.info({ runs: n }, 'task runs interrupted by the previous stop marked failed');
  }
  let warmup: DebouncedWarmup | undefined;
  if (roles.worker) {
    const h = handlersFor({ config, db, queue, cache, enricher: enricher!, log });
    warmup = h.warmup;
    queue.start(h.handlers, { concurrency: roles.concurrency ?? defaultConcurrency(config) });
    // A restarted embedded server has an empty cache: fill it before the first visit.
    if (config.cache.warmOnStart) warmup.soon();
    // Files left pending or half-processed by a previous run are picked up again. The embedded database has
    // one process, so everything unfinished is stale; elsewhere another process may hold a file right now.
    // (not awaited: with Redis away at start-up, the worker still starts, and retries its connection)
    void queue
      .enqueue('sweep-pending', db.kind === 'pglite' ? { olderThanMs: 0 } : {}, { dedupeKey: sweepPendingKey() })
      .catch((err: unknown) => log.warn({ err: errorText(err) }, 'could not queue the start-up sweep'));
    // A new sender catalogue (an upgrade) re-identifies the sources identified with the previous one.
    void queueStaleIdentifications(db, queue).catch((err: unknown) =>
      log.warn({ err: errorText(err) }, 'could not queue the identification of senders'),
    );
  }

  let lockRedis: Redis | undefined;
  let scheduler: Scheduler | undefined;
  if (roles.scheduler) {
    if (config.redisUrl && config.imap.some((m) => m.idle)) {
      lockRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
      lockRedis.on('error', () => undefined); // reconnects on its own; a failed lease check says so
    }
    scheduler = new Scheduler({
      queue,
      config,
      jobSchedulers: queue instanceof BullMqQueue ? queue : undefined,
      lock: lockRedis ? new RedisLeaderLock(lockRedis, leaderKey(config.redisPrefix), 15_000) : undefined,
      // the runs of a mailbox are its organisation's (looked up when queued, or when the job schedulers are synced)
      orgIdOf: async (slug) => (await findOrgBySlug(db, slug))?.id,
      watcher: (m, onMail) => new IdleWatcher(m, onMail, log),
      folderWatcher: (m, onMail) => new MaildirWatcher(m, onMail, log),
      log,
    });
    await scheduler.start();
    // (only when the lease was read: a Redis that did not answer says nothing about other schedulers)
    if (scheduler.idle === 'standing by') log.info('another scheduler holds the IMAP IDLE connections: standing by');
  }

  let stopping: Promise<void> | undefined;
  return {
    queue,
    scheduler,
    stop: (timeoutMs = 30_000) =>
      (stopping ??= (async () => {
        await scheduler?.stop();
        if (lockRedis) await closeRedis(lockRedis);
        await queue.close(timeoutMs);
        await warmup?.stop();
      })()),
  };
}
