// Applies a report's rollup delta: one multi-row upsert per rollup table, rows in a fixed (sorted) order so
// that concurrent writers lock them in the same order and cannot deadlock each other.
import type { Queryable } from './database.js';
import type { RollupDelta, SourceRow } from './rollup-delta.js';

export interface RollupKey {
  domain: string;
  /** Unix seconds of the report's begin; null when unknown. */
  begin: number | null;
  orgName: string;
}

const DAY = `(to_timestamp($2::float8) AT TIME ZONE 'UTC')::date`;
const ADD = (t: string): string =>
  ['records', 'messages', 'dkim_auth_pass', 'spf_auth_pass'].map((c) => `${c} = ${t}.${c} + EXCLUDED.${c}`).join(', ');

/** Adds a whole report's outcome counters to rollup_daily. */
export async function applyDailyRollup(tx: Queryable, key: RollupKey, delta: RollupDelta): Promise<void> {
  const daily = delta.dailyRows();
  if (daily.length === 0) return;
  await tx.query(
    `INSERT INTO rollup_daily (domain, day, org_name, disposition, dkim, spf, records, messages, dkim_auth_pass,
       spf_auth_pass)
     SELECT $1, ${DAY}, $3, u.* FROM unnest($4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[], $9::int8[],
       $10::int8[]) AS u
     ON CONFLICT ON CONSTRAINT rollup_daily_key DO UPDATE SET ${ADD('rollup_daily')}`,
    [
      key.domain,
      key.begin,
      key.orgName,
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
    `INSERT INTO report_reasons (report_id, domain, day, org_name, reason, disposition, dkim, spf, records, messages)
     SELECT $1, $2, (to_timestamp($3::float8) AT TIME ZONE 'UTC')::date, $4, u.*
     FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[]) AS u`,
    [
      reportId,
      key.domain,
      key.begin,
      key.orgName,
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
    `INSERT INTO rollup_source_daily (domain, day, org_name, source_ip, disposition, dkim, spf, records, messages,
       dkim_auth_pass, spf_auth_pass)
     SELECT $1, ${DAY}, $3, u.* FROM unnest($4::inet[], $5::text[], $6::text[], $7::text[], $8::int8[], $9::int8[],
       $10::int8[], $11::int8[]) AS u
     ON CONFLICT ON CONSTRAINT rollup_source_daily_key DO UPDATE SET ${ADD('rollup_source_daily')}`,
    [
      key.domain,
      key.begin,
      key.orgName,
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
