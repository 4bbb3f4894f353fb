// In-process queue for the embedded mode: FIFO, bounded concurrency (1 by default: PGlite has one connection),
// retries with exponential backoff. Nothing here is durable: the durable state is the files table, and
// 'sweep-pending' re-queues any file still pending after a restart.
import type { EnqueueOptions, JobQueue, TaskHandlers, TaskName, TaskPayloads } from './queue.js';

interface Job {
  id: string;
  name: TaskName;
  payload: unknown;
  attempts: number;
}

export interface InProcessQueueOptions {
  concurrency?: number;
  maxAttempts?: number;
  /** Base delay of the exponential backoff between attempts. */
  backoffMs?: number;
  onError?: (job: { id: string; name: TaskName; attempts: number }, err: unknown, final: boolean) => void;
}

export class InProcessQueue implements JobQueue {
  private readonly queued: Job[] = [];
  private readonly known = new Set<string>();
  private running = 0;
  private handlers: TaskHandlers | undefined;
  private closing = false;
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: InProcessQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 1;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
  }

  enqueue<N extends TaskName>(name: N, payload: TaskPayloads[N], options: EnqueueOptions = {}): Promise<string> {
    const id = options.jobId ?? `${name}:${++this.seq}`;
    if (!this.known.has(id) && !this.closing) {
      this.known.add(id);
      this.queued.push({ id, name, payload, attempts: 0 });
      this.pump();
    }
    return Promise.resolve(id);
  }

  start(handlers: TaskHandlers): void {
    this.handlers = handlers;
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

  private async run(job: Job): Promise<void> {
    const handler = this.handlers![job.name] as (p: unknown) => Promise<unknown>;
    job.attempts++;
    try {
      await handler(job.payload);
      this.known.delete(job.id);
    } catch (err) {
      const final = job.attempts >= this.maxAttempts || this.closing;
      this.options.onError?.({ id: job.id, name: job.name, attempts: job.attempts }, err, final);
      if (final) {
        this.known.delete(job.id);
        return;
      }
      const delay = this.backoffMs * 2 ** (job.attempts - 1);
      this.running++; // the retry counts as in flight, so drain() waits for it
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.running--;
        if (this.closing) this.known.delete(job.id);
        else this.queued.unshift(job);
        this.pump();
        this.notifyIfIdle();
      }, delay);
      this.timers.add(t);
    }
  }

  private notifyIfIdle(): void {
    if (this.running === 0 && (this.queued.length === 0 || !this.handlers || this.closing)) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  drain(): Promise<void> {
    if (this.running === 0 && (this.queued.length === 0 || this.closing)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(timeoutMs = 30_000): Promise<void> {
    this.closing = true;
    for (const t of this.timers) {
      clearTimeout(t);
      this.running--;
    }
    this.timers.clear();
    this.queued.length = 0;
    this.known.clear();
    this.notifyIfIdle();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drain(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
