// Platform-wide counts for the operator's metrics (GET /metrics): unfinished task runs and alerts, by state,
// summed over every organisation (only served to the metrics token or a platform administrator).
import type { Queryable } from './database.js';

async function countByState(db: Queryable, sql: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: string | number }>(sql);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Task runs queued, running or retrying. */
export function unfinishedRunsByState(db: Queryable): Promise<Record<string, number>> {
  return countByState(
    db,
    "SELECT state, count(*) AS n FROM task_runs WHERE state IN ('queued', 'running', 'retrying') GROUP BY state",
  );
}

/** Alerts by state (open, acknowledged, resolved). */
export function alertsByState(db: Queryable): Promise<Record<string, number>> {
  return countByState(db, 'SELECT state, count(*) AS n FROM alerts GROUP BY state');
}
