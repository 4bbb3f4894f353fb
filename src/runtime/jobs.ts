// Assembling the background work of a process: the queue adapter the configuration asks for (BullMQ when
// REDIS_URL is set, in-process otherwise), the task handlers with their dependencies, and the cache warm-up.
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { AnalyticsCache } from '../analytics/cache.js';
import type { AppDeps } from '../api/deps.js';
import { analyticsHandlers } from '../api/routes/analytics.js';
import type { Config } from '../config/index.js';
import { BullMqQueue } from '../jobs/bullmq-queue.js';
import { TaskHistory, errorText } from '../jobs/history.js';
import { InProcessQueue } from '../jobs/in-process-queue.js';
import type { JobEvent, JobQueue, TaskHandlers } from '../jobs/queue.js';
import { taskHandlers } from '../jobs/tasks.js';
import type { Database } from '../store/database.js';

/** The processes of the distributed mode need shared state: PostgreSQL and Redis. */
export class DistributedModeRequired extends Error {
  constructor(role: string, missing: string[]) {
    super(
      `dmarc ${role} runs beside other processes and needs ${missing.join(' and ')} ` +
        `(PostgreSQL shared by every process, Redis for the job queue); on one machine, use dmarc serve`,
    );
    this.name = 'DistributedModeRequired';
  }
}

export function requireDistributed(config: Config, role: string): void {
  const missing: string[] = [];
  if (config.database.kind !== 'postgres') missing.push('DATABASE_URL');
  if (!config.redisUrl) missing.push('REDIS_URL');
  if (missing.length > 0) throw new DistributedModeRequired(role, missing);
}

function logEvent(log: Logger): (e: JobEvent) => void {
  return (e) => {
    if (e.type === 'retrying') {
      log.warn(
        { job: e.id, task: e.name, attempt: e.attempt, retryInMs: e.delayMs, err: e.error },
        'task failed; retrying',
      );
    } else if (e.type === 'failed') {
      log.error({ job: e.id, task: e.name, attempt: e.attempt, err: e.error }, 'task failed');
    } else if (e.type === 'started' && e.name !== 'process-file') {
      log.info({ job: e.id, task: e.name, attempt: e.attempt }, 'task started');
    }
  };
}

export function createQueue(config: Config, db: Database, log: Logger): { queue: JobQueue; history: TaskHistory } {
  const history = new TaskHistory(db, log);
  const common = {
    history,
    maxAttempts: config.jobs.maxAttempts,
    backoffMs: config.jobs.backoffMs,
    onEvent: logEvent(log),
  };
  const queue: JobQueue = config.redisUrl
    ? new BullMqQueue({
        ...common,
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        lockDurationMs: config.jobs.lockDurationMs,
        stalledIntervalMs: config.jobs.stalledIntervalMs,
        keepCompletedSeconds: config.jobs.historyDays * 86_400,
        log,
      })
    : new InProcessQueue(common);
  return { queue, history };
}

/** A reply that only takes headers: the analytics handlers set X-Cache on it. */
const nullReply = { header: () => nullReply } as unknown as FastifyReply;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * Computes (and so caches, under the API's own keys) the answers the dashboard asks for first: the whole
 * period and the last 30 days. Returns how many answers were computed.
 */
export function cacheWarmer(deps: AppDeps): () => Promise<number> {
  return async () => {
    if (deps.config.cache.ttlSeconds <= 0) return 0;
    const h = analyticsHandlers(deps);
    const today = new Date();
    const last30 = { from: isoDay(new Date(today.getTime() - 29 * 86_400_000)), to: isoDay(today) };
    const jobs: (() => Promise<unknown>)[] = [];
    for (const f of [{}, last30]) {
      jobs.push(() => h.summary(f, nullReply));
      jobs.push(() => h.byDomain(f, nullReply));
      jobs.push(() => h.timeline(f, 'day', nullReply));
    }
    for (const run of jobs) await run();
    return jobs.length;
  };
}

export interface HandlerDeps {
  config: Config;
  db: Database;
  queue: JobQueue;
  cache: AnalyticsCache;
  log: Logger;
}

export function handlersFor(d: HandlerDeps): TaskHandlers {
  const warm = cacheWarmer({ config: d.config, db: d.db, queue: d.queue, cache: d.cache });
  return taskHandlers({
    db: d.db,
    queue: d.queue,
    cache: d.cache,
    limits: d.config.limits,
    jobs: d.config.jobs,
    imap: d.config.imap,
    log: d.log,
    warmCache: async () => {
      try {
        return await warm();
      } catch (err) {
        d.log.warn({ err: errorText(err) }, 'cache warm-up failed');
        return 0;
      }
    },
  });
}
