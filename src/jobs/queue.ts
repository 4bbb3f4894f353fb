// The job queue port. Two adapters implement it: in-process (embedded default) and BullMQ (REDIS_URL). Task
// handlers are the same on both; a job's payload is plain JSON. Every run is recorded in the task history
// (history.ts), whichever adapter runs it.
import { hostname } from 'node:os';
import { AppError } from '../model/errors.js';

export interface TaskPayloads {
  /** Run one ingested file of an organisation through the pipeline; `ifUnfinished`: skip it when already final. */
  'process-file': { orgId: number; fileId: number; ifUnfinished?: boolean };
  /** Queue again the files left pending or processing (e.g. after a crash) for longer than `olderThanMs`. */
  'sweep-pending': { olderThanMs?: number };
  /** Fetch new reports from one IMAP mailbox (by name), or from all of them. */
  'fetch-imap': { mailbox?: string };
  /** Check the rollups against the reports, repair what drifted, warm up the analytics cache. */
  'refresh-rollups': Record<string, never>;
  /** Delete data older than the retention age, expired refresh tokens and old task history. */
  retention: Record<string, never>;
}

export type TaskName = keyof TaskPayloads;
export const TASK_NAMES: readonly TaskName[] = [
  'process-file',
  'sweep-pending',
  'fetch-imap',
  'refresh-rollups',
  'retention',
];

export interface EnqueueOptions {
  /** While a job with this key is queued, retrying or running, enqueueing again returns that job's id. */
  dedupeKey?: string;
  /** With dedupeKey: when that job is already running, queue one more run after it (new work arrived meanwhile). */
  rerunIfRunning?: boolean;
  /** An explicit job id: a job with this id is only ever created once (scheduled runs use one per time slot). */
  jobId?: string;
}

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

/** A failure that retrying cannot cure (e.g. the file does not exist): the job fails at once. */
export class PermanentTaskError extends AppError {
  constructor(message: string) {
    super('task_failed_permanently', message);
    this.name = 'PermanentTaskError';
  }
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

/** The dedupe key of a file's processing: one job per file at a time, whoever queues it. */
export function processFileKey(fileId: number): string {
  return `process-file-${fileId}`;
}

/** "host:pid": who ran a job. */
export function workerIdentity(): string {
  return `${hostname()}:${process.pid}`;
}
