// Assembling the background work of a process: the queue adapter the configuration asks for (BullMQ when
// REDIS_URL is set, in-process otherwise), and the task handlers with their dependencies and cache warm-up.
import type { Logger } from 'pino';
import type { AnalyticsCache } from '../analytics/cache.js';
import type { Config } from '../config/index.js';
import type { SourceEnricher } from '../enrich/enricher.js';
import { BullMqQueue } from '../jobs/bullmq-queue.js';
import { TaskHistory, errorText } from '../jobs/history.js';
import { InProcessQueue } from '../jobs/in-process-queue.js';
import type { JobEvent, JobQueue, TaskHandlers } from '../jobs/queue.js';
import { taskHandlers } from '../jobs/tasks.js';
import { DebouncedWarmup, cacheWarmer } from './cache-warmup.js';
import type { Database } from '../store/database.js';
import { reportStoredSink } from './report-sink.js';
import { AppError } from '../model/errors.js';

/** The processes of the distributed mode need shared state: PostgreSQL and Redis. */
export class DistributedModeRequired extends AppError {
  constructor(role: string, missing: string[]) {
    super(
      'distributed_mode_required',
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

export interface HandlerDeps {
  config: Config;
  db: Database;
  queue: JobQueue;
  cache: AnalyticsCache;
  enricher: SourceEnricher;
  log: Logger;
}

/** The task handlers of a worker, and its cache warm-up (stop it before closing the database). */
export function handlersFor(d: HandlerDeps): { handlers: TaskHandlers; warmup: DebouncedWarmup } {
  const warmer = cacheWarmer({ db: d.db, cache: d.cache, ttlSeconds: d.config.cache.ttlSeconds });
  const safe = (f: () => Promise<number>) => async (): Promise<number> => {
    try {
      return await f();
    } catch (err) {
      d.log.warn({ err: errorText(err) }, 'cache warm-up failed');
      return 0;
    }
  };
  const warmup = new DebouncedWarmup({ all: safe(warmer.all), org: (orgId) => safe(() => warmer.org(orgId))() });
  const handlers = taskHandlers({
    db: d.db,
    queue: d.queue,
    cache: d.cache,
    limits: d.config.limits,
    jobs: d.config.jobs,
    imap: d.config.imap,
    mailboxes: d.config.mailboxes,
    log: d.log,
    warmCache: safe(warmer.all),
    enricher: d.enricher,
    alerts: d.config.alerts,
    dns: d.config.enrich.dns,
    anomaly: d.config.anomaly,
    failures: d.config.failures,
    sink: reportStoredSink({
      cache: d.cache,
      warmup,
      enrichQueue: d.queue,
      alerts: { queue: d.queue, debounceMs: d.config.alerts.debounceMs },
      outputsQueue: d.queue,
      log: d.log,
    }),
  });
  return { handlers, warmup };
}
