// The job queue port. Two adapters implement it: in-process (embedded default) and BullMQ (REDIS_URL). Task
// handlers are the same on both; a job's payload is plain JSON. Every run is recorded in the task history
// (history.ts), whichever adapter runs it.
import { hostname } from 'node:os';
import type { EnqueueOptions } from './tasks/define.js';
import type { TaskName, TaskPayloads } from './tasks/index.js';

export { PermanentTaskError, type EnqueueOptions } from './tasks/define.js';
export { TASK_NAMES, type TaskName, type TaskPayloads } from './tasks/index.js';
export { processFileKey } from './tasks/process-file.js';

export type TaskHandler<N extends TaskName> = (payload: TaskPayloads[N]) => Promise<unknown>;
export type TaskHandlers = { [N in TaskName]: TaskHandler<N> };

export interface WorkerOptions {
  /** Jobs run at once by this process. */
  concurrency?: number;
}

/** What happened to a job, for logs and tests (the history in the database is the durable record). */
export interface JobEvent {
  type: 'started' | 'completed' | 'retrying' | 'failed';
  id: string;
  name: TaskName;
  /** The attempt that started, finished or failed (1 = the first run). */
  attempt: number;
  /** 'retrying': the delay before the next attempt. */
  delayMs?: number;
  error?: string;
}

/** Delay before retry number `retry` (1 = the first retry): base, 2 base, 4 base, ... */
export function backoffDelay(baseMs: number, retry: number): number {
  return Math.round(baseMs * 2 ** Math.max(0, retry - 1));
}

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Queues a job; resolves with its id (an existing job's id when deduplicated). */
  enqueue<N extends TaskName>(name: N, payload: TaskPayloads[N], options?: EnqueueOptions): Promise<string>;
  /** Starts running queued jobs with the given handlers (the worker role). */
  start(handlers: TaskHandlers, options?: WorkerOptions): void;
  /**
   * Stops taking jobs and waits for the running ones (at most timeoutMs); then releases what is still held.
   * Queued jobs stay for the next start (BullMQ) or are picked up by the pending sweep (in-process).
   */
  close(timeoutMs?: number): Promise<void>;
  /** Resolves when nothing is queued, waiting for a retry or running (tests, CLI, benchmarks). */
  drain(): Promise<void>;
}

/** "host:pid": who ran a job. */
export function workerIdentity(): string {
  return `${hostname()}:${process.pid}`;
}

/** A recurring job as the queue keeps it (distributed mode: a BullMQ job scheduler). */
export interface RecurringJob {
  /** Stable: the scheduled run's key (e.g. `sweep-pending`, `fetch-imap-<mailbox>`). */
  id: string;
  name: TaskName;
  payload: object;
  cron: string;
  timezone: string;
}

/**
 * A queue that runs schedules itself (BullMQ's job schedulers): it makes one job per time slot, whoever asks,
 * and keeps making them with no scheduler process running.
 */
export interface JobSchedulerStore {
  /** Makes the stored recurring jobs these (created, updated, the others removed); says what changed. */
  syncJobSchedulers(jobs: RecurringJob[]): Promise<{ upserted: string[]; removed: string[]; unchanged: string[] }>;
}
