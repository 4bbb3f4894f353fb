// What a task file exports — one TaskDefinition, made with defineTask — and what its handler is given: the
// shared context (database, queue, cache, limits, settings, mailboxes, the "report stored" sink, cache warm-up,
// log). A handler returns a small JSON summary (kept in the task history); a thrown error is retried with
// backoff, a PermanentTaskError is not. Nothing here imports the registry (index.ts) or the queue adapters, so
// that task files, the registry and the queue port depend on this module and not on each other in a circle.
import type { AnalyticsCache } from '../../analytics/cache.js';
import type { AnomalySettings } from '../../analytics/anomaly/train.js';
import type { AlertsConfig, ImapMailboxConfig, JobsConfig, OtherMailboxConfig } from '../../config/jobs.js';
import type { DnsCheckSettings } from '../../enrich/dns/resolver.js';
import type { SourceEnricher } from '../../enrich/enricher.js';
import type { ReportStoredSink } from '../../events/report-stored.js';
import { AppError } from '../../model/errors.js';
import type { FailureSettings } from '../../parse/failure/privacy.js';
import type { UnpackLimits } from '../../parse/types.js';
import type { Database } from '../../store/database.js';

export interface EnqueueOptions {
  /** While a job with this key is queued, retrying or running, enqueueing again returns that job's id. */
  dedupeKey?: string;
  /** With dedupeKey: when that job is already running, queue one more run after it (new work arrived meanwhile). */
  rerunIfRunning?: boolean;
  /** An explicit job id: a job with this id is only ever created once (scheduled runs use one per time slot). */
  jobId?: string;
  /**
   * Runs the job this long after it is queued, not before. With dedupeKey this debounces: what is queued with the
   * same key meanwhile is that one job (e.g. one check-alerts run a minute after a burst of reports).
   */
  delayMs?: number;
}

/** The part of the queue port a handler (or a route) queues other tasks with; see enqueueTask for the typed call. */
export interface TaskQueue {
  enqueue(name: string, payload: object, options?: EnqueueOptions): Promise<string>;
}

/** A failure that retrying cannot cure (e.g. the file does not exist): the job fails at once. */
export class PermanentTaskError extends AppError {
  constructor(message: string) {
    super('task_failed_permanently', message);
    this.name = 'PermanentTaskError';
  }
}

export interface TaskLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the process gives the handlers (taskHandlers in ../tasks.ts). */
export interface TaskContext {
  db: Database;
  queue: TaskQueue;
  cache: AnalyticsCache;
  limits: UnpackLimits;
  /** Retry, sweep and retention settings (defaults when absent). */
  jobs?: JobsConfig;
  /** Mailboxes fetch-imap reads (none when absent). */
  imap?: ImapMailboxConfig[];
  /** Graph, Gmail and Maildir mailboxes (fetch-imap fetches them with the IMAP ones). */
  mailboxes?: OtherMailboxConfig[];
  /** Told of every stored report: invalidates the organisation's cache, schedules a warm-up, ... */
  sink: ReportStoredSink;
  /** Fills the analytics cache with the answers the dashboard asks first, for every organisation; returns how many. */
  warmCache?: () => Promise<number>;
  /** Looks up source IPs (enrich-sources); absent in processes that run no such task. */
  enricher?: SourceEnricher;
  /** Alert evaluation and notification settings (defaults when absent). */
  alerts?: AlertsConfig;
  /** The resolver of the DNS record checks (check-dns; the system's servers when absent). */
  dns?: DnsCheckSettings;
  /** Activation and versions of anomaly models (train-model; defaults when absent). */
  anomaly?: AnomalySettings;
  /** What failure reports keep of the original message, and for how long (defaults when absent). */
  failures?: FailureSettings;
  /** The clock of tasks that decide by the time (alert evaluation); default: the system's. */
  now?: () => Date;
  log?: TaskLog;
}

/** What a handler is given: the context with the defaults filled in. */
export interface RunContext extends TaskContext {
  jobs: JobsConfig;
  imap: ImapMailboxConfig[];
  alerts: AlertsConfig;
  now: () => Date;
}

/** What a scheduled task needs to know to make the runs of one time slot. */
export interface ScheduleEnv {
  imap: ImapMailboxConfig[];
  /** The Graph, Gmail and Maildir mailboxes (absent: none). */
  mailboxes?: OtherMailboxConfig[];
  /** The id of an organisation by its slug (undefined: there is none). */
  orgIdOf(slug: string): Promise<number | undefined>;
}

/** One job of a scheduled time slot. */
export interface ScheduledRun<P> {
  /** Stable per run (e.g. per mailbox): dedupe key, job-id stem of a slot, BullMQ job scheduler id. */
  key: string;
  payload: P;
}

export interface TaskDefinition<N extends string = string, P = unknown, S extends string | null = string | null> {
  readonly name: N;
  /** One line, for `dmarc schedule list` and the documentation. */
  readonly description: string;
  /**
   * Cron expression the task runs on unless the configuration says otherwise (DMARC_SCHEDULE_<TASK>, the
   * DMARC_CONFIG file's schedules); null: not a scheduled task (queued by what happens).
   */
  readonly defaultSchedule: S;
  /** The organisation whose data a run works on (its members see the run); absent or null: platform-wide. */
  orgOf?(payload: P): number | null;
  handler(ctx: RunContext, payload: P): Promise<unknown>;
  /** A scheduled task: the jobs one time slot consists of (default: one, with an empty payload, keyed by name). */
  scheduledRuns?(env: ScheduleEnv): Promise<ScheduledRun<P>[]>;
  /** A scheduled task: why it cannot run with this configuration (e.g. no mailbox), or null. */
  unavailableBecause?(config: { imap: ImapMailboxConfig[]; mailboxes?: OtherMailboxConfig[] }): string | null;
}

/**
 * Makes a task definition: `defineTask<Payload>()({ name: 'x', ... })` — the payload type given, the name and
 * default schedule inferred as literals (the registry derives TaskName, TaskPayloads and the scheduled tasks
 * from them).
 */
export function defineTask<P extends object>() {
  return <const N extends string, const S extends string | null>(
    definition: TaskDefinition<N, P, S>,
  ): TaskDefinition<N, P, S> => definition;
}

/** Queues a run of `task`, the payload checked against the task's own type. */
export function enqueueTask<P extends object>(
  queue: TaskQueue,
  task: TaskDefinition<string, P>,
  payload: P,
  options?: EnqueueOptions,
): Promise<string> {
  return queue.enqueue(task.name, payload, options);
}
