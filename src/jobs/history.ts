// The task history: one row per job in task_runs, written by whichever queue adapter runs it (queued → running →
// retrying → ... → completed | failed) and read by GET /api/tasks. Writes are upserts in any order, because a
// worker may start a job before the process that queued it has recorded it. A history write that fails is
// logged and never fails the job itself.
import type { Database, Queryable } from '../store/database.js';

export type TaskState = 'queued' | 'running' | 'retrying' | 'completed' | 'failed';
export const TASK_STATES: readonly TaskState[] = ['queued', 'running', 'retrying', 'completed', 'failed'];

export interface TaskRun {
  id: string;
  /** The organisation whose data the run works on; null for platform-wide runs (sweeps, retention, ...). */
  orgId: number | null;
  name: string;
  state: TaskState;
  attempts: number;
  maxAttempts: number | null;
  worker: string | null;
  payload: unknown;
  result: unknown;
  error: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  retryAt: Date | null;
}

const COLUMNS = `id, seq, org_id AS "orgId", name, state, attempts, max_attempts AS "maxAttempts", worker, payload, result, error,
  queued_at AS "queuedAt", started_at AS "startedAt", finished_at AS "finishedAt", retry_at AS "retryAt"`;

/** A job names its organisation in its payload (`orgId`), when it works on one organisation's data. */
export function orgOfPayload(payload: unknown): number | null {
  const org = (payload as { orgId?: unknown } | null | undefined)?.orgId;
  return typeof org === 'number' && Number.isSafeInteger(org) ? org : null;
}

/** Errors are kept short: a message, never a stack. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export interface HistoryLog {
  warn(obj: object, msg: string): void;
}

export class TaskHistory {
  constructor(
    private readonly db: Queryable | Database,
    private readonly log?: HistoryLog,
  ) {}

  private async write(sql: string, params: unknown[]): Promise<void> {
    try {
      if ('transaction' in this.db) {
        // The history is a record of what happened, not data to protect: its writes do not wait for the WAL
        // flush (a commit's fsync costs more than the write itself on most disks).
        await this.db.transaction(async (tx) => {
          await tx.query('SET LOCAL synchronous_commit = off');
          await tx.query(sql, params);
        });
      } else {
        await this.db.query(sql, params);
      }
    } catch (err) {
      this.log?.warn({ err: errorText(err) }, 'task history not updated');
    }
  }

  queued(id: string, name: string, payload: unknown, maxAttempts: number): Promise<void> {
    return this.write(
      `INSERT INTO task_runs (id, name, state, payload, max_attempts, org_id)
       VALUES ($1, $2, 'queued', $3::jsonb, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [id, name, JSON.stringify(payload ?? {}), maxAttempts, orgOfPayload(payload)],
    );
  }

  started(
    id: string,
    name: string,
    payload: unknown,
    attempt: number,
    worker: string,
    maxAttempts: number,
  ): Promise<void> {
    return this.write(
      `INSERT INTO task_runs (id, name, state, payload, max_attempts, attempts, worker, started_at, org_id)
       VALUES ($1, $2, 'running', $3::jsonb, $4, $5, $6, now(), $7)
       ON CONFLICT (id) DO UPDATE SET state = 'running', attempts = GREATEST(task_runs.attempts, EXCLUDED.attempts),
         worker = EXCLUDED.worker, started_at = now(), finished_at = NULL, retry_at = NULL`,
      [id, name, JSON.stringify(payload ?? {}), maxAttempts, attempt, worker, orgOfPayload(payload)],
    );
  }

  completed(id: string, result: unknown): Promise<void> {
    return this.write(
      `UPDATE task_runs SET state = 'completed', result = $2::jsonb, error = NULL, finished_at = now(), retry_at = NULL
       WHERE id = $1`,
      [id, JSON.stringify(result ?? null)],
    );
  }

  /** A failed attempt: `retryInMs` null = failed for good. */
  failed(id: string, error: string, retryInMs: number | null): Promise<void> {
    return retryInMs === null
      ? this.write(
          `UPDATE task_runs SET state = 'failed', error = $2, finished_at = now(), retry_at = NULL WHERE id = $1`,
          [id, error],
        )
      : this.write(
          `UPDATE task_runs SET state = 'retrying', error = $2, finished_at = now(),
             retry_at = now() + ($3::float8 * interval '1 millisecond') WHERE id = $1`,
          [id, error, retryInMs],
        );
  }
}

export interface TaskRunPage {
  items: TaskRun[];
  total: number;
  /** seq of the last item when there are more. */
  nextBeforeSeq: number | null;
}

/**
 * An organisation's task runs (with the platform-wide ones for platform administrators), newest first, optionally
 * of some states and names; keyset-paginated.
 */
export async function listTaskRuns(
  db: Queryable,
  opts: {
    orgId: number;
    includePlatform?: boolean;
    /** Every organisation's runs (the platform administrators' queue board). */
    everyOrg?: boolean;
    limit: number;
    beforeSeq?: number;
    states?: TaskState[];
    names?: string[];
  },
): Promise<TaskRunPage> {
  const params: unknown[] = [opts.orgId];
  const cond: string[] = [
    opts.everyOrg ? '$1::int8 IS NOT NULL' : opts.includePlatform ? '(org_id = $1 OR org_id IS NULL)' : 'org_id = $1',
  ];
  if (opts.states && opts.states.length > 0) {
    params.push(opts.states);
    cond.push(`state = ANY($${params.length}::text[])`);
  }
  if (opts.names && opts.names.length > 0) {
    params.push(opts.names);
    cond.push(`name = ANY($${params.length}::text[])`);
  }
  const countWhere = `WHERE ${cond.join(' AND ')}`;
  const countParams = [...params];
  if (opts.beforeSeq !== undefined) {
    params.push(opts.beforeSeq);
    cond.push(`seq < $${params.length}`);
  }
  params.push(opts.limit + 1);
  const rows = await db.query<TaskRun & { seq: number }>(
    `SELECT ${COLUMNS} FROM task_runs WHERE ${cond.join(' AND ')}
     ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  const total = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM task_runs ${countWhere}`, countParams))
    .rows[0]?.n;
  const page = rows.rows.slice(0, opts.limit);
  return {
    items: page.map(({ seq: _seq, ...r }) => r),
    total: total ?? 0,
    nextBeforeSeq: rows.rows.length > opts.limit ? (page[page.length - 1]?.seq ?? null) : null,
  };
}

/** One run, if it is the organisation's (or platform-wide and `includePlatform`). */
export async function getTaskRun(
  db: Queryable,
  id: string,
  scope: { orgId: number; includePlatform?: boolean },
): Promise<TaskRun | undefined> {
  const r = await db.query<TaskRun & { seq: number }>(
    `SELECT ${COLUMNS} FROM task_runs WHERE id = $1 AND (org_id = $2 OR ($3::boolean AND org_id IS NULL))`,
    [id, scope.orgId, scope.includePlatform ?? false],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const { seq: _seq, ...run } = row;
  return run;
}

/**
 * Embedded mode at start-up: runs a previous process left unfinished can never finish (the in-process queue
 * is not durable); they are failed, and the pending sweep queues their files again.
 */
export async function failInterruptedRuns(db: Queryable): Promise<number> {
  const r = await db.query(
    `UPDATE task_runs SET state = 'failed', error = 'interrupted: the process stopped before the run finished',
       finished_at = now(), retry_at = NULL
     WHERE state IN ('queued', 'running', 'retrying')`,
  );
  return r.rowCount;
}
