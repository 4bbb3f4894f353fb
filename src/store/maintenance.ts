// Scheduled maintenance of the stored data: the retention sweep (platform-wide) and the stale-file query of the
// pending sweep (platform-wide or one organisation's) (the rollup check/repair is in rollups.ts). Plain SQL, the same on PGlite and PostgreSQL.
import type { Database, Queryable } from './database.js';
import { pruneDnsChecks } from './dns-checks.js';
import { pruneFailureReports } from './failure-reports.js';
import type { FileRef } from './files.js';
import { pruneTaskRuns } from './task-runs.js';

// ---- pending sweep ----

/**
 * Files pending or processing whose status has not changed for `olderThanMs` (0 = all), of one organisation or
 * (platform-wide) of every one.
 */
export async function listStaleFiles(db: Queryable, olderThanMs: number, orgId?: number): Promise<FileRef[]> {
  const r = await db.query<FileRef>(
    `SELECT org_id AS "orgId", id AS "fileId" FROM ingested_files
     WHERE status IN ('pending', 'processing')
       AND status_changed_at <= now() - ($1::float8 * interval '1 millisecond')
       AND ($2::int8 IS NULL OR org_id = $2)
     ORDER BY id`,
    [olderThanMs, orgId ?? null],
  );
  return r.rows;
}

// ---- retention ----

export interface RetentionResult {
  /** null: reports are kept forever (DMARC_RETENTION_DAYS unset). */
  cutoff: string | null;
  /** Organisations whose reports were deleted (their cached answers are stale). */
  orgIds: number[];
  reports: number;
  records: number;
  files: number;
  refreshTokens: number;
  taskRuns: number;
  /** DNS checks that recorded no change, past DMARC_DNS_HISTORY_DAYS. */
  dnsChecks: number;
  /** Failure reports past DMARC_FAILURE_RETENTION_DAYS (and the files left without reports). */
  failureReports: number;
  failureFiles: number;
}

const BATCH = 500;

/** The first day kept: today (UTC) minus `days`. */
export function retentionCutoff(days: number, now = new Date()): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

/** SMTP TLS reports past the cutoff (their policies and failure details go with them, ON DELETE CASCADE). */
async function deleteOldTlsReports(db: Database, cutoff: string, orgs: Set<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await db.query<{ org_id: number }>(
      `DELETE FROM tls_reports WHERE id IN (SELECT id FROM tls_reports WHERE day < $1::date ORDER BY id LIMIT $2)
       RETURNING org_id`,
      [cutoff, BATCH],
    );
    for (const x of r.rows) orgs.add(Number(x.org_id));
    total += r.rowCount;
    if (r.rowCount === 0) return total;
  }
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
  opts: {
    retentionDays: number | null;
    historyDays: number;
    dnsHistoryDays?: number;
    /** Failure reports' own retention (DMARC_FAILURE_RETENTION_DAYS); absent: not pruned. */
    failureRetentionDays?: number;
    now?: Date;
  },
): Promise<RetentionResult> {
  const out: RetentionResult = {
    cutoff: null,
    orgIds: [],
    reports: 0,
    records: 0,
    files: 0,
    refreshTokens: 0,
    taskRuns: 0,
    dnsChecks: 0,
    failureReports: 0,
    failureFiles: 0,
  };
  const orgs = new Set<number>();
  if (opts.retentionDays !== null) {
    const cutoff = retentionCutoff(opts.retentionDays, opts.now);
    out.cutoff = cutoff;
    for (;;) {
      const n = await db.transaction(async (tx) => {
        const rows = (
          await tx.query<{ id: number; org_id: number }>(
            'SELECT id, org_id FROM reports WHERE day < $1::date ORDER BY id LIMIT $2',
            [cutoff, BATCH],
          )
        ).rows;
        const ids = rows.map((x) => x.id);
        if (ids.length === 0) return 0;
        for (const x of rows) orgs.add(x.org_id);
        out.records += (await tx.query('DELETE FROM records WHERE report_id = ANY($1::int8[])', [ids])).rowCount;
        return (await tx.query('DELETE FROM reports WHERE id = ANY($1::int8[])', [ids])).rowCount;
      });
      out.reports += n;
      if (n === 0) break;
    }
    out.reports += await deleteOldTlsReports(db, cutoff, orgs);
    await db.query('DELETE FROM rollup_daily WHERE day < $1::date', [cutoff]);
    await db.query('DELETE FROM rollup_source_daily WHERE day < $1::date', [cutoff]);
    for (;;) {
      const r = await db.query(
        `DELETE FROM ingested_files WHERE id IN (
           SELECT f.id FROM ingested_files f
           WHERE f.received_at < $1::date AND f.status NOT IN ('pending', 'processing')
             AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.file_id = f.id)
             AND NOT EXISTS (SELECT 1 FROM tls_reports t WHERE t.file_id = f.id)
             AND NOT EXISTS (SELECT 1 FROM failure_reports x WHERE x.file_id = f.id)
           ORDER BY f.id LIMIT $2)`,
        [cutoff, BATCH],
      );
      out.files += r.rowCount;
      if (r.rowCount === 0) break;
    }
  }
  if (opts.failureRetentionDays !== undefined) {
    const pruned = await pruneFailureReports(db, retentionCutoff(opts.failureRetentionDays, opts.now), BATCH);
    out.failureReports = pruned.reports;
    out.failureFiles = pruned.files;
    for (const id of pruned.orgIds) orgs.add(id);
  }
  if (await tableExists(db, 'refresh_tokens')) {
    out.refreshTokens = (await db.query('DELETE FROM refresh_tokens WHERE expires_at < now()')).rowCount;
  }
  out.taskRuns = await pruneTaskRuns(db, opts.historyDays);
  if (opts.dnsHistoryDays !== undefined) out.dnsChecks = await pruneDnsChecks(db, opts.dnsHistoryDays, opts.now);
  out.orgIds = [...orgs].sort((a, b) => a - b);
  return out;
}
