// In-process queue for the embedded mode: FIFO, bounded concurrency (1 by default: PGlite has one connection),
// retries with exponential backoff, the same history as the BullMQ adapter. Nothing here is durable: the
// durable state is the files table, and 'sweep-pending' re-queues any file still pending after a restart.
import { randomUUID } from 'node:crypto';
import { errorText, type TaskHistory } from './history.js';
import {
  PermanentTaskError,
  backoffDelay,
  workerIdentity,
  type EnqueueOptions,
  type JobEvent,
  type JobQueue,
  type TaskHandlers,
  type TaskName,
  type TaskPayloads,
  type WorkerOptions,
} from './queue.js';

interface Job {
  id: string;
  name: TaskName;
  payload: unknown;
  attempts: number;
  dedupeKey: string | undefined;
  state: 'queued' | 'running' | 'retrying' | 'delayed';
}

export interface InProcessQueueOptions {
  /** Where runs are recorded (GET /api/tasks); without one, nothing is. */
  history?: TaskHistory;
  /** Runs of a job before it fails for good. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles at each further one. */
  backoffMs?: number;
  onEvent?: (e: JobEvent) => void;
}

const NO_HISTORY = {
  queued: async () => undefined,
  started: async () => undefined,
  completed: async () => undefined,
  failed: async () => undefined,
};

/** Explicit job ids remembered so that a second enqueue with one is a no-op (bounded). */
const MAX_REMEMBERED_IDS = 10_000;

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly queued: Job[] = [];
  /** Unfinished jobs by dedupe key. */
  private readonly byKey = new Map<string, Job>();
  /** dedupe key → payload of one more run, queued when the running job finishes. */
  private readonly reruns = new Map<string, { name: TaskName; payload: unknown }>();
  private readonly explicitIds = new Set<string>();
  private running = 0;
  /** Jobs waiting for their retry: drain() waits for them, but they hold no turn (the next job runs meanwhile). */
  private waitingRetries = 0;
  private handlers: TaskHandlers | undefined;
  private concurrency = 1;
  private closing = false;
  private readonly timers = new Map<NodeJS.Timeout, Job>();
  /** Jobs queued with a delay, not yet due: drain() does not wait for them (close() abandons them). */
  private readonly delayed = new Map<NodeJS.Timeout, Job>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly worker = workerIdentity();

  private readonly history: Pick<TaskHistory, 'queued' | 'started' | 'completed' | 'failed'>;

  constructor(private readonly options: InProcessQueueOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
    this.history = options.history ?? NO_HISTORY;
  }

  async enqueue<N extends TaskName>(name: N, payload: TaskPayloads[N], options: EnqueueOptions = {}): Promise<string> {
    if (options.jobId !== undefined) {
      if (this.explicitIds.has(options.jobId)) return options.jobId;
      this.explicitIds.add(options.jobId);
      if (this.explicitIds.size > MAX_REMEMBERED_IDS) {
        this.explicitIds.delete(this.explicitIds.values().next().value as string);
      }
    }
    const key = options.dedupeKey;
    const existing = key !== undefined ? this.byKey.get(key) : undefined;
    if (existing) {
      if (existing.state === 'running' && options.rerunIfRunning) this.reruns.set(key!, { name, payload });
      return existing.id;
    }
    const job: Job = { id: options.jobId ?? randomUUID(), name, payload, attempts: 0, dedupeKey: key, state: 'queued' };
    if (this.closing) return job.id;
    if (key !== undefined) this.byKey.set(key, job);
    await this.history.queued(job.id, name, payload, this.maxAttempts);
    const delay = options.delayMs ?? 0;
    if (delay > 0) {
      job.state = 'delayed';
      const t = setTimeout(() => {
        this.delayed.delete(t);
        if (this.closing) return;
        job.state = 'queued';
        this.queued.push(job);
        this.pump();
      }, delay);
      t.unref();
      this.delayed.set(t, job);
      return job.id;
    }
    this.queued.push(job);
    this.pump();
    return job.id;
  }

  start(handlers: TaskHandlers, options: WorkerOptions = {}): void {
    this.handlers = handlers;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump();
  }

  private pump(): void {
    if (!this.handlers || this.closing) return;
    while (this.running < this.concurrency && this.queued.length > 0) {
      const job = this.queued.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.notifyIfIdle();
      });
    }
  }

  private event(e: JobEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // an observer's failure is not the job's
    }
  }

  private finish(job: Job): void {
    if (job.dedupeKey === undefined) return;
    if (this.byKey.get(job.dedupeKey) === job) this.byKey.delete(job.dedupeKey);
    const rerun = this.reruns.get(job.dedupeKey);
    if (rerun && !this.closing) {
      this.reruns.delete(job.dedupeKey);
      this.track(
        this.enqueue(rerun.name, rerun.payload as never, { dedupeKey: job.dedupeKey }).then(
          () => undefined,
          () => undefined,
        ),
      );
    }
  }

  private track(p: Promise<void>): void {
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers![job.name] as (p: unknown) => Promise<unknown>;
    job.attempts++;
    job.state = 'running';
    await this.history.started(job.id, job.name, job.payload, job.attempts, this.worker, this.maxAttempts);
    this.event({ type: 'started', id: job.id, name: job.name, attempt: job.attempts });
    try {
      const result = await handler(job.payload);
      await this.history.completed(job.id, result);
      this.event({ type: 'completed', id: job.id, name: job.name, attempt: job.attempts });
      this.finish(job);
    } catch (err) {
      const error = errorText(err);
      const final = err instanceof PermanentTaskError || job.attempts >= this.maxAttempts || this.closing;
      if (final) {
        await this.history.failed(job.id, error, null);
        this.event({ type: 'failed', id: job.id, name: job.name, attempt: job.attempts, error });
        this.finish(job);
        return;
      }
      const delay = backoffDelay(this.backoffMs, job.attempts);
      job.state = 'retrying';
      await this.history.failed(job.id, error, delay);
      this.event({ type: 'retrying', id: job.id, name: job.name, attempt: job.attempts, delayMs: delay, error });
      this.waitingRetries++; // in flight for drain(), but the queue's other jobs run meanwhile
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.waitingRetries--;
        job.state = 'queued';
        this.queued.unshift(job);
        this.pump();
        this.notifyIfIdle();
      }, delay);
      this.timers.set(t, job);
    }
  }

  private idle(): boolean {
    return this.running === 0 && this.waitingRetries === 0;
  }

  private notifyIfIdle(): void {
    if (this.idle() && (this.queued.length === 0 || !this.handlers || this.closing)) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  async drain(): Promise<void> {
    for (;;) {
      if (!(this.idle() && (this.queued.length === 0 || this.closing))) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      }
      if (this.pendingWrites.size === 0) return;
      await Promise.all([...this.pendingWrites]);
    }
  }

  async close(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return this.drain();
    this.closing = true;
    // Waiting retries and queued jobs will not run in this process: their history says so.
    const abandoned = [...this.queued, ...this.timers.values(), ...this.delayed.values()];
    for (const t of this.timers.keys()) {
      clearTimeout(t);
      this.waitingRetries--;
    }
    this.timers.clear();
    for (const t of this.delayed.keys()) clearTimeout(t);
    this.delayed.clear();
    this.queued.length = 0;
    this.reruns.clear();
    this.notifyIfIdle();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drain(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const job of abandoned) {
      await this.history.failed(job.id, 'interrupted: the process stopped before the run', null);
    }
  }
}
