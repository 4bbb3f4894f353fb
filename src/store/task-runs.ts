// The task history's table, task_runs: one row per job (queued → running → retrying → ... → completed | failed),
// written by whichever queue adapter runs it (jobs/history.ts decides what to write when) and read by
// GET /api/tasks. Writes are upserts in any order, because a worker may start a job before the process that
// queued it has recorded it.
import type { Database, Queryable } from './database.js';

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

// ---- writes ----

/**
 * Runs history writes without waiting for the WAL flush: the history is a record of what happened, not data to
 * protect, and a commit's fsync costs more than the write itself on most disks. (A plain connection, without
 * transactions, writes as usual.)
 */
export async function writeWithoutFlush(
  db: Queryable | Database,
  write: (q: Queryable) => Promise<void>,
): Promise<void> {
  if (!('transaction' in db)) return write(db);
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit = off');
    await write(tx);
  });
}

export interface NewRun {
  id: string;
  name: string;
  payload: unknown;
  maxAttempts: number;
  orgId: number | null;
}

/** A run queued (nothing when a row for this id exists: a worker recorded it first). */
export async function insertQueuedRun(db: Queryable, r: NewRun): Promise<void> {
  await db.query(
    `INSERT INTO task_runs (id, name, state, payload, max_attempts, org_id)
     VALUES ($1, $2, 'queued', $3::jsonb, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [r.id, r.name, JSON.stringify(r.payload ?? {}), r.maxAttempts, r.orgId],
  );
}

/**
 * An attempt started: the row is created when no producer recorded the run (e.g. a job made by a BullMQ job
 * scheduler), with `queuedAt` when given (else now).
 */
export async function upsertStartedRun(
  db: Queryable,
  r: NewRun & { attempt: number; worker: string; queuedAt?: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO task_runs (id, name, state, payload, max_attempts, attempts, worker, started_at, org_id, queued_at)
     VALUES ($1, $2, 'running', $3::jsonb, $4, $5, $6, now(), $7, coalesce($8::timestamptz, now()))
     ON CONFLICT (id) DO UPDATE SET state = 'running', attempts = GREATEST(task_runs.attempts, EXCLUDED.attempts),
       worker = EXCLUDED.worker, started_at = now(), finished_at = NULL, retry_at = NULL`,
    [
      r.id,
      r.name,
      JSON.stringify(r.payload ?? {}),
      r.maxAttempts,
      r.attempt,
      r.worker,
      r.orgId,
      r.queuedAt?.toISOString() ?? null,
    ],
  );
}

export async function markRunCompleted(db: Queryable, id: string, result: unknown): Promise<void> {
  await db.query(
    `UPDATE task_runs SET state = 'completed', result = $2::jsonb, error = NULL, finished_at = now(), retry_at = NULL
     WHERE id = $1`,
    [id, JSON.stringify(result ?? null)],
  );
}

/** A failed attempt: `retryInMs` null = failed for good, else retrying after that delay. */
export async function markRunFailed(db: Queryable, id: string, error: string, retryInMs: number | null): Promise<void> {
  if (retryInMs === null) {
    await db.query(
      `UPDATE task_runs SET state = 'failed', error = $2, finished_at = now(), retry_at = NULL WHERE id = $1`,
      [id, error],
    );
    return;
  }
  await db.query(
    `UPDATE task_runs SET state = 'retrying', error = $2, finished_at = now(),
       retry_at = now() + ($3::float8 * interval '1 millisecond') WHERE id = $1`,
    [id, error, retryInMs],
  );
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

/** Deletes finished task runs older than `days`; returns how many. */
export async function pruneTaskRuns(db: Queryable, days: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM task_runs WHERE state IN ('completed', 'failed')
       AND coalesce(finished_at, queued_at) < now() - ($1::int * interval '1 day')`,
    [days],
  );
  return r.rowCount;
}

// ---- reads ----

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
