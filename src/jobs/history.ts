// The task history: what each queue adapter records of a job, whichever runs it (queued → running → retrying →
// ... → completed | failed), in task_runs (store/task-runs.ts), read by GET /api/tasks. A run belongs to the
// organisation its task's orgOf finds in the payload (task_runs.org_id), or is platform-wide (null). A history write that
// fails is logged and never fails the job itself.
import type { Database, Queryable } from '../store/database.js';
import {
  insertQueuedRun,
  markRunCompleted,
  markRunFailed,
  upsertStartedRun,
  writeWithoutFlush,
} from '../store/task-runs.js';
import { jobDuration, jobFailures } from '../events/metrics.js';
import { orgOfRun } from './tasks/index.js';

/** Errors are kept short: a message, never a stack. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export interface HistoryLog {
  warn(obj: object, msg: string): void;
}

export class TaskHistory {
  /** Attempts running in this process: job id → task name and start (for the job metrics). */
  private readonly running = new Map<string, { name: string; end: (labels: { outcome: string }) => number }>();

  constructor(
    private readonly db: Queryable | Database,
    private readonly log?: HistoryLog,
  ) {}

  private async write(write: (q: Queryable) => Promise<void>): Promise<void> {
    try {
      await writeWithoutFlush(this.db, write);
    } catch (err) {
      this.log?.warn({ err: errorText(err) }, 'task history not updated');
    }
  }

  queued(id: string, name: string, payload: unknown, maxAttempts: number): Promise<void> {
    return this.write((q) => insertQueuedRun(q, { id, name, payload, maxAttempts, orgId: orgOfRun(name, payload) }));
  }

  /** `queuedAt`: when the run was due, for a job no producer recorded (made by a BullMQ job scheduler). */
  started(
    id: string,
    name: string,
    payload: unknown,
    attempt: number,
    worker: string,
    maxAttempts: number,
    queuedAt?: Date,
  ): Promise<void> {
    this.running.set(id, { name, end: jobDuration.startTimer({ task: name }) });
    return this.write((q) =>
      upsertStartedRun(q, {
        id,
        name,
        payload,
        maxAttempts,
        orgId: orgOfRun(name, payload),
        attempt,
        worker,
        queuedAt,
      }),
    );
  }

  completed(id: string, result: unknown): Promise<void> {
    const run = this.running.get(id);
    if (run) {
      this.running.delete(id);
      run.end({ outcome: 'completed' });
    }
    return this.write((q) => markRunCompleted(q, id, result));
  }

  /** A failed attempt: `retryInMs` null = failed for good. */
  failed(id: string, error: string, retryInMs: number | null): Promise<void> {
    const run = this.running.get(id);
    if (run) {
      this.running.delete(id);
      run.end({ outcome: 'failed' });
      jobFailures.inc({ task: run.name, final: retryInMs === null ? 'true' : 'false' });
    }
    return this.write((q) => markRunFailed(q, id, error, retryInMs));
  }
}
