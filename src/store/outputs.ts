// outputs and output_outbox (migration 019): an organisation's SIEM/webhook targets and the outbox of reports to
// forward to each. The config holds secrets: it leaves this module as stored, and outputs/ masks it for answers.
import type { Queryable } from './database.js';
import { uniqueName } from './alert-rules.js';

export interface Output {
  id: number;
  orgId: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveFailures: number;
  retryAt: Date | null;
}

export type OutputFields = Pick<Output, 'name' | 'type' | 'config' | 'enabled'>;

/** An output with the size of its backlog (rows not yet sent) and the reports it has sent. */
export interface OutputWithBacklog extends Output {
  backlog: number;
  sent: number;
  rejected: number;
}

const COLUMNS = `o.id, o.org_id AS "orgId", o.name, o.type, o.config, o.enabled, o.created_at AS "createdAt",
  o.updated_at AS "updatedAt", o.last_success_at AS "lastSuccessAt", o.last_error AS "lastError",
  o.last_error_at AS "lastErrorAt", o.consecutive_failures AS "consecutiveFailures", o.retry_at AS "retryAt"`;

const BACKLOG = `(SELECT count(*) FILTER (WHERE b.state = 'pending') FROM output_outbox b WHERE b.output_id = o.id) AS backlog,
  (SELECT count(*) FILTER (WHERE b.state = 'sent') FROM output_outbox b WHERE b.output_id = o.id) AS sent,
  (SELECT coalesce(sum(b.rejected), 0) FROM output_outbox b WHERE b.output_id = o.id) AS rejected`;

export async function listOutputs(db: Queryable, orgId: number): Promise<OutputWithBacklog[]> {
  const r = await db.query<OutputWithBacklog>(
    `SELECT ${COLUMNS}, ${BACKLOG} FROM outputs o WHERE o.org_id = $1 ORDER BY o.id`,
    [orgId],
  );
  return r.rows;
}

export async function getOutput(db: Queryable, orgId: number, id: number): Promise<OutputWithBacklog | undefined> {
  const r = await db.query<OutputWithBacklog>(
    `SELECT ${COLUMNS}, ${BACKLOG} FROM outputs o WHERE o.org_id = $1 AND o.id = $2`,
    [orgId, id],
  );
  return r.rows[0];
}

/** The organisations with at least one enabled output (what the scheduled run queues a run for). */
export async function orgsWithOutputs(db: Queryable): Promise<number[]> {
  const r = await db.query<{ orgId: number }>(
    'SELECT DISTINCT org_id AS "orgId" FROM outputs WHERE enabled ORDER BY 1',
  );
  return r.rows.map((x) => x.orgId);
}

export async function enabledOutputs(db: Queryable, orgId: number): Promise<Output[]> {
  const r = await db.query<Output>(`SELECT ${COLUMNS} FROM outputs o WHERE o.org_id = $1 AND o.enabled ORDER BY o.id`, [
    orgId,
  ]);
  return r.rows;
}

/** created_at is the database's clock: the reports an output forwards are those stored (by that clock) after it. */
export async function insertOutput(db: Queryable, orgId: number, f: OutputFields, at: Date): Promise<Output> {
  return uniqueName('output', f.name, async () => {
    const r = await db.query<Output>(
      `INSERT INTO outputs AS o (org_id, name, type, config, enabled, created_at, updated_at, scanned_until)
       VALUES ($1, $2, $3, $4::jsonb, $5, now(), $6, now()) RETURNING ${COLUMNS}`,
      [orgId, f.name, f.type, JSON.stringify(f.config), f.enabled, at],
    );
    return r.rows[0]!;
  });
}

/** Changes the fields; a changed configuration ends a backoff (the admin may just have fixed the token). */
export async function updateOutput(
  db: Queryable,
  orgId: number,
  id: number,
  f: OutputFields,
  at: Date,
): Promise<Output | undefined> {
  return uniqueName('output', f.name, async () => {
    const r = await db.query<Output>(
      `UPDATE outputs AS o SET name = $3, type = $4, config = $5::jsonb, enabled = $6, updated_at = $7,
         retry_at = CASE WHEN o.config = $5::jsonb THEN o.retry_at END
       WHERE o.org_id = $1 AND o.id = $2 RETURNING ${COLUMNS}`,
      [orgId, id, f.name, f.type, JSON.stringify(f.config), f.enabled, at],
    );
    return r.rows[0];
  });
}

export async function deleteOutput(db: Queryable, orgId: number, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM outputs WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount > 0;
}

/** A request was answered: the backoff ends. */
export async function outputSucceeded(db: Queryable, orgId: number, id: number, at: Date): Promise<void> {
  await db.query(
    `UPDATE outputs SET last_success_at = $3, consecutive_failures = 0, retry_at = NULL WHERE org_id = $1 AND id = $2`,
    [orgId, id, at],
  );
}

/** A request failed: the output is not asked again before `retryAt`. */
export async function outputFailed(
  db: Queryable,
  orgId: number,
  id: number,
  error: string,
  at: Date,
  retryAt: Date,
): Promise<void> {
  await db.query(
    `UPDATE outputs SET last_error = $3, last_error_at = $4, consecutive_failures = consecutive_failures + 1,
       retry_at = $5 WHERE org_id = $1 AND id = $2`,
    [orgId, id, error, at, retryAt],
  );
}

/** A target refused some events for good (recorded; the rest of the batch went through). */
export async function outputRejected(db: Queryable, orgId: number, id: number, error: string, at: Date) {
  await db.query('UPDATE outputs SET last_error = $3, last_error_at = $4 WHERE org_id = $1 AND id = $2', [
    orgId,
    id,
    error,
    at,
  ]);
}
