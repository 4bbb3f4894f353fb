// The rollups, defined once: what a rollup row counts (ROLLUP_COUNTERS), how a report's delta is added while it is
// stored (one multi-row upsert per table, rows in a fixed order so that concurrent writers lock them in the same
// order and cannot deadlock), how a slice is rebuilt from the records, and how drift is found. Every row carries
// its organisation; slices are per organisation.
import type { Database, Queryable } from './database.js';
import type { RollupDelta, SourceRow } from './rollup-delta.js';

export interface RollupKey {
  orgId: number;
  domain: string;
  /** Unix seconds of the report's begin; null when unknown. */
  begin: number | null;
  reporter: string;
}

/**
 * The counters of rollup_daily and rollup_source_daily, and their definition over the records (for rebuilds):
 * records, messages, and messages with any DKIM / SPF auth result pass (aligned or not). RollupDelta computes the
 * same in JavaScript while a report is stored; the corpus test checks that both agree.
 */
export const ROLLUP_COUNTERS = ['records', 'messages', 'dkim_auth_pass', 'spf_auth_pass'] as const;
const COUNTERS_FROM_RECORDS = `count(*), coalesce(sum(c.count), 0),
  coalesce(sum(c.count) FILTER (WHERE 'pass' = ANY (c.dkim_results)), 0),
  coalesce(sum(c.count) FILTER (WHERE 'pass' = ANY (c.spf_results)), 0)`;

const DAY = `(to_timestamp($3::float8) AT TIME ZONE 'UTC')::date`;
const ADD = (t: string): string => ROLLUP_COUNTERS.map((c) => `${c} = ${t}.${c} + EXCLUDED.${c}`).join(', ');

/** Adds a whole report's outcome counters to rollup_daily. */
export async function applyDailyRollup(tx: Queryable, key: RollupKey, delta: RollupDelta): Promise<void> {
  const daily = delta.dailyRows();
  if (daily.length === 0) return;
  await tx.query(
    `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, ${ROLLUP_COUNTERS.join(', ')})
     SELECT $1, $2, ${DAY}, $4, u.* FROM unnest($5::text[], $6::text[], $7::text[], $8::int8[], $9::int8[],
       $10::int8[], $11::int8[]) AS u
     ON CONFLICT ON CONSTRAINT rollup_daily_key DO UPDATE SET ${ADD('rollup_daily')}`,
    [
      key.orgId,
      key.domain,
      key.begin,
      key.reporter,
      daily.map((r) => r.disposition),
      daily.map((r) => r.dkim),
      daily.map((r) => r.spf),
      daily.map((r) => r.records),
      daily.map((r) => r.messages),
      daily.map((r) => r.dkimAuthPass),
      daily.map((r) => r.spfAuthPass),
    ],
  );
}

/** The report's override reasons by outcome (report_reasons). */
export async function insertReportReasons(
  tx: Queryable,
  reportId: number,
  key: RollupKey,
  delta: RollupDelta,
): Promise<void> {
  const rows = delta.reasonRows();
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO report_reasons (org_id, report_id, domain, day, reporter, reason, disposition, dkim, spf,
       records, messages)
     SELECT $1, $5, $2, ${DAY}, $4, u.*
     FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::int8[]) AS u`,
    [
      key.orgId,
      key.domain,
      key.begin,
      key.reporter,
      reportId,
      rows.map((r) => r.reason),
      rows.map((r) => r.disposition),
      rows.map((r) => r.dkim),
      rows.map((r) => r.spf),
      rows.map((r) => r.records),
      rows.map((r) => r.messages),
    ],
  );
}

/** Adds a batch's per-source counters to rollup_source_daily. */
export async function applySourceRollup(tx: Queryable, key: RollupKey, src: readonly SourceRow[]): Promise<void> {
  if (src.length === 0) return;
  await tx.query(
    `INSERT INTO rollup_source_daily (org_id, domain, day, reporter, source_ip, disposition, dkim, spf,
       ${ROLLUP_COUNTERS.join(', ')})
     SELECT $1, $2, ${DAY}, $4, u.* FROM unnest($5::inet[], $6::text[], $7::text[], $8::text[], $9::int8[],
       $10::int8[], $11::int8[], $12::int8[]) AS u
     ON CONFLICT ON CONSTRAINT rollup_source_daily_key DO UPDATE SET ${ADD('rollup_source_daily')}`,
    [
      key.orgId,
      key.domain,
      key.begin,
      key.reporter,
      src.map((r) => r.sourceIp),
      src.map((r) => r.disposition),
      src.map((r) => r.dkim),
      src.map((r) => r.spf),
      src.map((r) => r.records),
      src.map((r) => r.messages),
      src.map((r) => r.dkimAuthPass),
      src.map((r) => r.spfAuthPass),
    ],
  );
}

// ---- drift and rebuild ----

/** One organisation's policy domain × day × reporter: the unit the rollups are checked and rebuilt by. */
export interface RollupSlice {
  orgId: number;
  domain: string;
  day: string | null;
  reporter: string;
}

const NO_DAY = `'0001-01-01'::date`;
const SLICE_KEY = 'org_id, domain, dkey, reporter';
const sliceTotals = (table: string, records: string, messages: string): string =>
  `SELECT org_id, domain, coalesce(day, ${NO_DAY}) AS dkey, reporter, sum(${records})::int8 AS records,
     sum(${messages})::int8 AS messages
   FROM ${table} GROUP BY 1, 2, 3, 4`;
const joinOn = (a: string, b: string): string =>
  SLICE_KEY.split(', ')
    .map((k) => `${a}.${k} = ${b}.${k}`)
    .join(' AND ');
const coalesceKey = (a: string, b: string): string =>
  SLICE_KEY.split(', ')
    .map((k) => `coalesce(${a}.${k}, ${b}.${k}) AS ${k}`)
    .join(', ');

/**
 * Slices where the rollups do not add up to the stored reports. The reports, their records and their rollup rows
 * are written in one transaction, so any snapshot is consistent: a slice found here has really drifted (e.g. rows
 * edited or deleted by hand).
 */
export async function findRollupDrift(db: Queryable): Promise<{ slices: number; drifted: RollupSlice[] }> {
  const r = await db.query<RollupSlice & { slices: number; drift: boolean }>(
    `WITH rep AS (${sliceTotals('reports', 'record_count', 'message_count')}),
     roll AS (${sliceTotals('rollup_daily', 'records', 'messages')}),
     src AS (${sliceTotals('rollup_source_daily', 'records', 'messages')}),
     cmp AS (
       SELECT ${coalesceKey('rep', 'roll')},
         coalesce(rep.records, 0) AS rep_records, coalesce(rep.messages, 0) AS rep_messages,
         coalesce(roll.records, 0) AS roll_records, coalesce(roll.messages, 0) AS roll_messages
       FROM rep FULL JOIN roll ON ${joinOn('rep', 'roll')}),
     all_cmp AS (
       SELECT ${coalesceKey('cmp', 'src')},
         coalesce(cmp.rep_records, 0) AS rep_records, coalesce(cmp.rep_messages, 0) AS rep_messages,
         coalesce(cmp.roll_records, 0) AS roll_records, coalesce(cmp.roll_messages, 0) AS roll_messages,
         coalesce(src.records, 0) AS src_records, coalesce(src.messages, 0) AS src_messages
       FROM cmp FULL JOIN src ON ${joinOn('cmp', 'src')})
     SELECT "orgId", domain, day, "reporter", slices, drift FROM (
       SELECT org_id AS "orgId", domain, CASE WHEN dkey = ${NO_DAY} THEN NULL ELSE dkey END AS day,
         reporter AS "reporter", count(*) OVER () AS slices, row_number() OVER () AS rn,
         (rep_records <> roll_records OR rep_messages <> roll_messages OR rep_records <> src_records
           OR rep_messages <> src_messages) AS drift
       FROM all_cmp) x
     WHERE drift OR rn = 1`,
  );
  return {
    slices: r.rows[0]?.slices ?? 0,
    drifted: r.rows
      .filter((x) => x.drift)
      .map(({ orgId, domain, day, reporter }) => ({ orgId, domain, day, reporter })),
  };
}

const SLICE = (alias: string): string =>
  `${alias}org_id = $1 AND ${alias}domain = $2 AND ${alias}day IS NOT DISTINCT FROM $3::date AND ${alias}reporter = $4`;

/** Rebuilds one slice of both rollups from the records, while report writers wait. */
export async function rebuildRollupSlice(db: Database, s: RollupSlice): Promise<void> {
  await db.transaction(async (tx) => {
    await lockRollups(tx);
    await rebuildSliceIn(tx, s);
  });
}

/**
 * Writers upsert rollup rows in the same transaction as their report: holding these locks, a slice is rebuilt
 * from committed reports only, and a report committed later adds its delta on top.
 */
export async function lockRollups(tx: Queryable): Promise<void> {
  await tx.query('LOCK TABLE rollup_source_daily, rollup_daily IN EXCLUSIVE MODE');
}

/**
 * Replaces both rollups' rows matching `where` (a condition on the rollup tables' columns, prefixed by the alias
 * given) with the rows counted from the records of the reports it matches.
 */
async function rebuildWhere(tx: Queryable, where: (alias: string) => string, params: unknown[]): Promise<void> {
  await tx.query(`DELETE FROM rollup_daily WHERE ${where('')}`, params);
  await tx.query(`DELETE FROM rollup_source_daily WHERE ${where('')}`, params);
  const counters = ROLLUP_COUNTERS.join(', ');
  await tx.query(
    `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, ${counters})
     SELECT r.org_id, r.domain, r.day, r.reporter, c.disposition, c.dkim, c.spf, ${COUNTERS_FROM_RECORDS}
     FROM reports r JOIN records c ON c.report_id = r.id WHERE ${where('r.')}
     GROUP BY r.org_id, r.domain, r.day, r.reporter, c.disposition, c.dkim, c.spf`,
    params,
  );
  await tx.query(
    `INSERT INTO rollup_source_daily (org_id, domain, day, reporter, source_ip, disposition, dkim, spf,
       ${counters})
     SELECT r.org_id, r.domain, r.day, r.reporter, c.source_ip, c.disposition, c.dkim, c.spf,
       ${COUNTERS_FROM_RECORDS}
     FROM reports r JOIN records c ON c.report_id = r.id WHERE ${where('r.')}
     GROUP BY r.org_id, r.domain, r.day, r.reporter, c.source_ip, c.disposition, c.dkim, c.spf`,
    params,
  );
}

/** Rebuilds one slice inside the caller's transaction, which holds lockRollups. */
export async function rebuildSliceIn(tx: Queryable, s: RollupSlice): Promise<void> {
  await rebuildWhere(tx, SLICE, [s.orgId, s.domain, s.day, s.reporter]);
}

/** Every slice that has reports or rollup rows (a full rebuild walks these). */
export async function listRollupSlices(db: Queryable, orgId?: number): Promise<RollupSlice[]> {
  const r = await db.query<RollupSlice>(
    `SELECT org_id AS "orgId", domain, to_char(day, 'YYYY-MM-DD') AS day, reporter FROM (
       SELECT org_id, domain, day, reporter FROM reports
       UNION SELECT org_id, domain, day, reporter FROM rollup_daily
       UNION SELECT org_id, domain, day, reporter FROM rollup_source_daily) s
     WHERE $1::int8 IS NULL OR org_id = $1
     ORDER BY 1, 2, 3 NULLS FIRST, 4`,
    [orgId ?? null],
  );
  return r.rows;
}

/**
 * Rebuilds every slice of the organisation's `reporters` (by canonical name) from the records, inside the
 * caller's transaction, which holds lockRollups: after reports were renamed, both the old and the new names'
 * rows are recounted (an old name with no report left loses its rows).
 */
export async function rebuildReportersIn(tx: Queryable, orgId: number, reporters: readonly string[]): Promise<void> {
  if (reporters.length === 0) return;
  const mine = (alias: string): string => `${alias}org_id = $1 AND ${alias}reporter = ANY($2::text[])`;
  await rebuildWhere(tx, mine, [orgId, reporters]);
  // Override reasons are per report: they follow their report's new name.
  await tx.query(
    `UPDATE report_reasons x SET reporter = r.reporter FROM reports r
     WHERE r.id = x.report_id AND x.org_id = $1 AND r.org_id = $1 AND x.reporter <> r.reporter`,
    [orgId],
  );
}
