// Scheduled maintenance of the stored data: the rollup check/repair (refresh-rollups), the retention sweep and the
// stale-file query of the pending sweep. Plain SQL, the same on PGlite and PostgreSQL.
import type { Database, Queryable } from '../store/database.js';
import { pruneTaskRuns } from './history.js';

// ---- pending sweep ----

/** Files pending or processing whose status has not changed for `olderThanMs` (0 = all of them). */
export async function listStaleFileIds(db: Queryable, olderThanMs: number): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    `SELECT id FROM ingested_files
     WHERE status IN ('pending', 'processing')
       AND status_changed_at <= now() - ($1::float8 * interval '1 millisecond')
     ORDER BY id`,
    [olderThanMs],
  );
  return r.rows.map((x) => x.id);
}

// ---- refresh-rollups ----

export interface RollupSlice {
  domain: string;
  day: string | null;
  orgName: string;
}

const NO_DAY = `'0001-01-01'::date`;

/**
 * Slices (policy domain × day × reporter) where the rollups do not add up to the stored reports. The reports,
 * their records and their rollup rows are written in one transaction, so any snapshot is consistent: a slice
 * found here has really drifted (e.g. rows edited or deleted by hand).
 */
export async function findRollupDrift(db: Queryable): Promise<{ slices: number; drifted: RollupSlice[] }> {
  const r = await db.query<{ domain: string; day: string | null; orgName: string; slices: number }>(
    `WITH rep AS (
       SELECT domain, coalesce(day, ${NO_DAY}) AS dkey, org_name, sum(record_count)::int8 AS records,
         sum(message_count)::int8 AS messages
       FROM reports GROUP BY 1, 2, 3),
     roll AS (
       SELECT domain, coalesce(day, ${NO_DAY}) AS dkey, org_name, sum(records)::int8 AS records,
         sum(messages)::int8 AS messages
       FROM rollup_daily GROUP BY 1, 2, 3),
     src AS (
       SELECT domain, coalesce(day, ${NO_DAY}) AS dkey, org_name, sum(records)::int8 AS records,
         sum(messages)::int8 AS messages
       FROM rollup_source_daily GROUP BY 1, 2, 3),
     cmp AS (
       SELECT coalesce(rep.domain, roll.domain) AS domain, coalesce(rep.dkey, roll.dkey) AS dkey,
         coalesce(rep.org_name, roll.org_name) AS org_name,
         coalesce(rep.records, 0) AS rep_records, coalesce(rep.messages, 0) AS rep_messages,
         coalesce(roll.records, 0) AS roll_records, coalesce(roll.messages, 0) AS roll_messages
       FROM rep FULL JOIN roll ON rep.domain = roll.domain AND rep.dkey = roll.dkey AND rep.org_name = roll.org_name),
     all_cmp AS (
       SELECT coalesce(cmp.domain, src.domain) AS domain, coalesce(cmp.dkey, src.dkey) AS dkey,
         coalesce(cmp.org_name, src.org_name) AS org_name,
         coalesce(cmp.rep_records, 0) AS rep_records, coalesce(cmp.rep_messages, 0) AS rep_messages,
         coalesce(cmp.roll_records, 0) AS roll_records, coalesce(cmp.roll_messages, 0) AS roll_messages,
         coalesce(src.records, 0) AS src_records, coalesce(src.messages, 0) AS src_messages
       FROM cmp FULL JOIN src ON cmp.domain = src.domain AND cmp.dkey = src.dkey AND cmp.org_name = src.org_name)
     SELECT domain, day, "orgName", slices, drift FROM (
       SELECT domain, CASE WHEN dkey = ${NO_DAY} THEN NULL ELSE dkey END AS day, org_name AS "orgName",
         count(*) OVER () AS slices, row_number() OVER () AS rn,
         (rep_records <> roll_records OR rep_messages <> roll_messages OR rep_records <> src_records
           OR rep_messages <> src_messages) AS drift
       FROM all_cmp) x
     WHERE drift OR rn = 1`,
  );
  const rows = r.rows as ({ drift: boolean } & (typeof r.rows)[number])[];
  return {
    slices: rows[0]?.slices ?? 0,
    drifted: rows.filter((x) => x.drift).map(({ domain, day, orgName }) => ({ domain, day, orgName })),
  };
}

const SLICE = (alias: string): string =>
  `${alias}domain = $1 AND ${alias}day IS NOT DISTINCT FROM $2::date AND ${alias}org_name = $3`;

/** Rebuilds one slice of both rollups from the records, while report writers wait. */
export async function rebuildRollupSlice(db: Database, s: RollupSlice): Promise<void> {
  await db.transaction(async (tx) => {
    // Writers upsert rollup rows in the same transaction as their report: holding these locks, the slice is
    // rebuilt from committed reports only, and a report committed later adds its delta on top.
    await tx.query('LOCK TABLE rollup_source_daily, rollup_daily IN EXCLUSIVE MODE');
    const params = [s.domain, s.day, s.orgName];
    await tx.query(`DELETE FROM rollup_daily WHERE ${SLICE('')}`, params);
    await tx.query(`DELETE FROM rollup_source_daily WHERE ${SLICE('')}`, params);
    const sums = `count(*), coalesce(sum(c.count), 0),
      coalesce(sum(c.count) FILTER (WHERE 'pass' = ANY (c.dkim_results)), 0),
      coalesce(sum(c.count) FILTER (WHERE 'pass' = ANY (c.spf_results)), 0)`;
    await tx.query(
      `INSERT INTO rollup_daily (domain, day, org_name, disposition, dkim, spf, records, messages, dkim_auth_pass,
         spf_auth_pass)
       SELECT r.domain, r.day, r.org_name, c.disposition, c.dkim, c.spf, ${sums}
       FROM reports r JOIN records c ON c.report_id = r.id WHERE ${SLICE('r.')}
       GROUP BY r.domain, r.day, r.org_name, c.disposition, c.dkim, c.spf`,
      params,
    );
    await tx.query(
      `INSERT INTO rollup_source_daily (domain, day, org_name, source_ip, disposition, dkim, spf, records, messages,
         dkim_auth_pass, spf_auth_pass)
       SELECT r.domain, r.day, r.org_name, c.source_ip, c.disposition, c.dkim, c.spf, ${sums}
       FROM reports r JOIN records c ON c.report_id = r.id WHERE ${SLICE('r.')}
       GROUP BY r.domain, r.day, r.org_name, c.source_ip, c.disposition, c.dkim, c.spf`,
      params,
    );
  });
}

// ---- retention ----

export interface RetentionResult {
  /** null: reports are kept forever (DMARC_RETENTION_DAYS unset). */
  cutoff: string | null;
  reports: number;
  records: number;
  files: number;
  refreshTokens: number;
  taskRuns: number;
}

const BATCH = 500;

/** The first day kept: today (UTC) minus `days`. */
export function retentionCutoff(days: number, now = new Date()): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const r = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [`public.${table}`]);
  return r.rows[0]?.found === true;
}

/**
 * Deletes reports whose period began before the cutoff (with their records and rollup rows), the files left
 * without reports that were received before it, expired refresh tokens (once the auth tables exist) and task
 * history older than `historyDays`. Works in batches, so that it never holds long locks.
 */
export async function applyRetention(
  db: Database,
  opts: { retentionDays: number | null; historyDays: number; now?: Date },
): Promise<RetentionResult> {
  const out: RetentionResult = { cutoff: null, reports: 0, records: 0, files: 0, refreshTokens: 0, taskRuns: 0 };
  if (opts.retentionDays !== null) {
    const cutoff = retentionCutoff(opts.retentionDays, opts.now);
    out.cutoff = cutoff;
    for (;;) {
      const n = await db.transaction(async (tx) => {
        const ids = (
          await tx.query<{ id: number }>('SELECT id FROM reports WHERE day < $1::date ORDER BY id LIMIT $2', [
            cutoff,
            BATCH,
          ])
        ).rows.map((x) => x.id);
        if (ids.length === 0) return 0;
        out.records += (await tx.query('DELETE FROM records WHERE report_id = ANY($1::int8[])', [ids])).rowCount;
        return (await tx.query('DELETE FROM reports WHERE id = ANY($1::int8[])', [ids])).rowCount;
      });
      out.reports += n;
      if (n === 0) break;
    }
    await db.query('DELETE FROM rollup_daily WHERE day < $1::date', [cutoff]);
    await db.query('DELETE FROM rollup_source_daily WHERE day < $1::date', [cutoff]);
    for (;;) {
      const r = await db.query(
        `DELETE FROM ingested_files WHERE id IN (
           SELECT f.id FROM ingested_files f
           WHERE f.received_at < $1::date AND f.status NOT IN ('pending', 'processing')
             AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.file_id = f.id)
           ORDER BY f.id LIMIT $2)`,
        [cutoff, BATCH],
      );
      out.files += r.rowCount;
      if (r.rowCount === 0) break;
    }
  }
  if (await tableExists(db, 'refresh_tokens')) {
    out.refreshTokens = (await db.query('DELETE FROM refresh_tokens WHERE expires_at < now()')).rowCount;
  }
  out.taskRuns = await pruneTaskRuns(db, opts.historyDays);
  return out;
}
