// BullMQ adapter (distributed mode, REDIS_URL): one BullMQ queue, `tasks`, whose keys start with
// DMARC_QUEUE_PREFIX (`dmarc:tasks:*`) in the database number of REDIS_URL, so that several installations share
// one Redis. Jobs are durable; a worker holds a job under a lock it renews, and a job whose worker died (SIGKILL,
// lost machine) goes back to the queue once its lock expired and a stall check ran: with the defaults (lock 20 s,
// check every 15 s) within about 35 s. Retries use the same exponential backoff as the in-process queue.
// Scheduled tasks are BullMQ job schedulers (syncJobSchedulers): BullMQ makes each slot's job, with the id
// `repeat:<scheduler id>:<slot ms>`, and a worker makes the next one when it takes it.
import { randomUUID } from 'node:crypto';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { errorText, type TaskHistory } from './history.js';
import {
  PermanentTaskError,
  TASK_NAMES,
  backoffDelay,
  workerIdentity,
  type EnqueueOptions,
  type JobEvent,
  type JobQueue,
  type JobSchedulerStore,
  type RecurringJob,
  type TaskHandlers,
  type TaskName,
  type TaskPayloads,
  type WorkerOptions,
} from './queue.js';

export const QUEUE_NAME = 'tasks';

export interface BullMqQueueOptions {
  redisUrl: string;
  /** Prefix of every key (DMARC_QUEUE_PREFIX). */
  prefix: string;
  history: TaskHistory;
  maxAttempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Finished jobs are kept in Redis (for the board) this long. */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
  onEvent?: (e: JobEvent) => void;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** Connection options for BullMQ from REDIS_URL: ioredis reads host, port, password, TLS (rediss:) and the db number. */
function connection(url: string, forWorker: boolean): { url: string; maxRetriesPerRequest: number | null } {
  // Workers block on Redis and must retry forever (BullMQ requires null); producers fail fast instead of hanging
  // an HTTP request while Redis is away.
  return { url, maxRetriesPerRequest: forWorker ? null : 3 };
}

export class BullMqQueue implements JobQueue, JobSchedulerStore {
  readonly kind = 'bullmq' as const;
  readonly queue: Queue;
  private worker: Worker | undefined;
  private closed = false;
  /** The handlers running in this process (a close waits for them, not for Redis). */
  private readonly running = new Set<Promise<unknown>>();
  private readonly identity = workerIdentity();

  constructor(private readonly options: BullMqQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: connection(options.redisUrl, false),
      prefix: options.prefix,
    });
    this.queue.on('error', (err) => options.log?.warn({ err: errorText(err) }, 'job queue: Redis error'));
  }

  /** Options of every job, queued or made by a job scheduler: attempts, backoff, how long finished ones stay. */
  private jobOptions() {
    return {
      attempts: this.options.maxAttempts,
      backoff: { type: 'dmarc' },
      removeOnComplete: { age: this.options.keepCompletedSeconds ?? 7 * 86_400, count: 10_000 },
      removeOnFail: { age: this.options.keepFailedSeconds ?? 30 * 86_400, count: 10_000 },
    };
  }

  async enqueue<N extends TaskName>(name: N, payload: TaskPayloads[N], options: EnqueueOptions = {}): Promise<string> {
    const id = options.jobId ?? randomUUID();
    const job = await this.queue.add(name, payload, {
      jobId: id,
      ...this.jobOptions(),
      ...(options.delayMs !== undefined && options.delayMs > 0 ? { delay: options.delayMs } : {}),
      ...(options.dedupeKey !== undefined
        ? {
            deduplication: {
              id: options.dedupeKey,
              ...(options.rerunIfRunning ? { keepLastIfActive: true } : {}),
            },
          }
        : {}),
    });
    const jobId = job.id ?? id;
    // A new job (not a duplicate of a queued one): record it.
    if (jobId === id) await this.options.history.queued(id, name, payload, this.options.maxAttempts);
    return jobId;
  }

  /**
   * Makes the queue's job schedulers these: each one created, or updated when its schedule, task, payload or
   * attempts differ (an unchanged one is left alone: updating replaces its next job, and a slot already due
   * but not yet taken would be skipped); every other job scheduler of the queue is removed with its next job.
   * Safe from several processes at once: BullMQ's scripts are atomic and a slot's job id is fixed.
   */
  async syncJobSchedulers(
    jobs: RecurringJob[],
  ): Promise<{ upserted: string[]; removed: string[]; unchanged: string[] }> {
    const out = { upserted: [] as string[], removed: [] as string[], unchanged: [] as string[] };
    const opts = this.jobOptions();
    for (const j of jobs) {
      const current = await this.queue.getJobScheduler(j.id);
      const same =
        current !== undefined &&
        current.name === j.name &&
        current.pattern === j.cron &&
        (current.tz ?? 'UTC') === j.timezone &&
        JSON.stringify(current.template?.data ?? {}) === JSON.stringify(j.payload) &&
        current.template?.opts?.attempts === opts.attempts;
      if (same) {
        out.unchanged.push(j.id);
        continue;
      }
      await this.queue.upsertJobScheduler(
        j.id,
        { pattern: j.cron, tz: j.timezone },
        { name: j.name, data: j.payload, opts },
      );
      out.upserted.push(j.id);
    }
    const wanted = new Set(jobs.map((j) => j.id));
    for (const s of await this.queue.getJobSchedulers(0, -1)) {
      if (wanted.has(s.key)) continue;
      if (await this.queue.removeJobScheduler(s.key)) out.removed.push(s.key);
    }
    return out;
  }

  private event(e: JobEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // an observer's failure is not the job's
    }
  }

  start(handlers: TaskHandlers, options: WorkerOptions = {}): void {
    if (this.worker) throw new Error('the worker is already started');
    const { history, maxAttempts, backoffMs } = this.options;
    this.worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        const name = job.name as TaskName;
        if (!TASK_NAMES.includes(name)) throw new UnrecoverableError(`unknown task '${job.name}'`);
        const id = job.id!;
        const attempt = Math.max(1, job.attemptsStarted);
        // A job made by a job scheduler was recorded by nobody: its row starts here, queued at its slot (the
        // end of its id, repeat:<scheduler id>:<slot ms>).
        const slotMs = job.repeatJobKey ? Number(/:(\d+)$/.exec(id)?.[1]) : NaN;
        const slot = Number.isFinite(slotMs) ? new Date(slotMs) : undefined;
        await history.started(id, name, job.data, attempt, this.identity, job.opts.attempts ?? maxAttempts, slot);
        this.event({ type: 'started', id, name, attempt });
        try {
          const run = (handlers[name] as (p: unknown) => Promise<unknown>)(job.data);
          this.running.add(run);
          const result = await run.finally(() => this.running.delete(run));
          await history.completed(id, result);
          this.event({ type: 'completed', id, name, attempt });
          return result ?? null;
        } catch (err) {
          const error = errorText(err);
          const permanent = err instanceof PermanentTaskError;
          const failedAttempts = job.attemptsMade + 1;
          const final = permanent || failedAttempts >= (job.opts.attempts ?? maxAttempts);
          const delay = final ? null : backoffDelay(backoffMs, failedAttempts);
          await history.failed(id, error, delay);
          this.event(
            final
              ? { type: 'failed', id, name, attempt, error }
              : { type: 'retrying', id, name, attempt, error, delayMs: delay! },
          );
          if (permanent) throw new UnrecoverableError(error);
          throw err instanceof Error ? err : new Error(error);
        }
      },
      {
        connection: connection(this.options.redisUrl, true),
        prefix: this.options.prefix,
        name: this.identity,
        concurrency: Math.max(1, options.concurrency ?? 1),
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.stalledIntervalMs,
        // a job whose worker died twice is run a third time before it is failed
        maxStalledCount: 2,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(backoffMs, attemptsMade) },
      },
    );
    this.worker.on('error', (err) => this.options.log?.warn({ err: errorText(err) }, 'job worker: Redis error'));
    // A job held by a worker that died: back in the queue, or failed when it stalled too often.
    this.worker.on('stalled', (jobId: string) => {
      void (async () => {
        const job = await Job.fromId(this.queue, jobId);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'failed') {
          await history.failed(jobId, job?.failedReason || 'the workers running it stopped too often', null);
        } else {
          await history.failed(jobId, 'the worker running it stopped responding; queued again', 0);
        }
      })().catch((err: unknown) => this.options.log?.warn({ err: errorText(err), jobId }, 'stalled job not recorded'));
    });
  }

  async drain(): Promise<void> {
    for (;;) {
      const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(c).every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.worker) {
      const worker = this.worker;
      // Stop taking jobs, let the running ones finish; past the timeout, let go of them: their locks expire
      // and another worker runs them again.
      const closing = worker.close();
      await within(Promise.race([closing, this.idle()]), timeoutMs);
      // Then BullMQ's own cleanup gets a moment: with Redis away it would wait for Redis forever. (BullMQ keeps
      // the first close, so a forced one would wait for it too: the connections are dropped instead.)
      if (!(await within(closing, CLOSE_MS))) await within(worker.disconnect(), CLOSE_MS);
    }
    if (!(await within(this.queue.close(), CLOSE_MS))) await within(this.queue.disconnect(), CLOSE_MS);
  }

  /** Resolves when no handler of this process runs. */
  private async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** How long closing a connection may take before it is dropped. */
const CLOSE_MS = 2000;

/** true when `p` settles within `ms` (a rejection counts as settled: closing failed, there is nothing to wait for). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
