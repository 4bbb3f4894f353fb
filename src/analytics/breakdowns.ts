// Breakdowns the dashboard's overview needs beside the headline figures: per reporter (from the daily rollup,
// which carries the reporter) and per policy-override reason (from report_reasons, written with each report;
// with a source filter, from that source's records, which the IP index finds).
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import {
  Params,
  needsSourceRollup,
  recordConditions,
  reportConditions,
  reportLevel,
  rollupConditions,
  rollupTable,
  where,
  type ScopedFilter,
} from './filters.js';

export type ReporterSort = 'messages' | 'dmarcFail' | 'reports' | 'orgName';

export interface ReporterItem {
  /** The reporter's canonical name (what the reporter filter takes). */
  orgName: string;
  /** The names its reports give it, as written. */
  names: string[];
  reports: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  /** Distinct policy domains it reported on. */
  domains: number;
  firstDate: string | null;
  lastDate: string | null;
}

interface ReporterRow {
  reporter: string;
  messages: number;
  dmarc_pass: number;
  domains: number;
  first_date: string | null;
  last_date: string | null;
}

export async function reporters(
  db: Queryable,
  f: ScopedFilter,
  opts: { sort: ReporterSort; order: 'asc' | 'desc' },
): Promise<ReporterItem[]> {
  const mp = new Params();
  const table = rollupTable(f);
  const rp = new Params();
  const [m, r] = await Promise.all([
    db.query<ReporterRow>(
      `SELECT reporter, coalesce(sum(messages), 0) AS messages,
         coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
         count(DISTINCT domain) AS domains,
         to_char(min(day), 'YYYY-MM-DD') AS first_date, to_char(max(day), 'YYYY-MM-DD') AS last_date
       FROM ${table} ${where(rollupConditions(f, mp))} GROUP BY reporter`,
      mp.values,
    ),
    db.query<{ reporter: string; n: number; names: string[] }>(
      `SELECT r.reporter, count(*) AS n, array_agg(DISTINCT r.reporter_org ORDER BY r.reporter_org) AS names
       FROM reports r ${where(reportConditions(f, rp))} GROUP BY r.reporter`,
      rp.values,
    ),
  ]);
  const reportCount = new Map(r.rows.map((x) => [x.reporter, x.n]));
  const reportedNames = new Map(r.rows.map((x) => [x.reporter, x.names]));
  const byOrg = new Map(m.rows.map((x) => [x.reporter, x]));
  const names = [...new Set([...byOrg.keys(), ...reportCount.keys()])];
  const items = names.map((orgName): ReporterItem => {
    const x = byOrg.get(orgName);
    const messages = x?.messages ?? 0;
    const pass = x?.dmarc_pass ?? 0;
    return {
      orgName,
      names: reportedNames.get(orgName) ?? [],
      reports: reportCount.get(orgName) ?? 0,
      messages,
      dmarcPass: pass,
      dmarcFail: messages - pass,
      complianceRate: messages > 0 ? pass / messages : null,
      domains: x?.domains ?? 0,
      firstDate: x?.first_date ?? null,
      lastDate: x?.last_date ?? null,
    };
  });
  const key: Record<ReporterSort, (d: ReporterItem) => number | string> = {
    messages: (d) => d.messages,
    dmarcFail: (d) => d.dmarcFail,
    reports: (d) => d.reports,
    orgName: (d) => d.orgName.toLowerCase(),
  };
  const sign = opts.order === 'asc' ? 1 : -1;
  return items.sort((a, b) => {
    const ka = key[opts.sort](a);
    const kb = key[opts.sort](b);
    return (ka < kb ? -1 : ka > kb ? 1 : 0) * sign || (a.orgName < b.orgName ? -1 : a.orgName > b.orgName ? 1 : 0);
  });
}

export interface OverrideExample {
  reportId: number;
  orgName: string;
  domain: string;
  date: string | null;
  messages: number;
}

export interface OverrideItem {
  /** As the reporter wrote it (lower-cased), e.g. one of OVERRIDE_REASONS (policy_test_mode is RFC 9990's). */
  type: string;
  messages: number;
  records: number;
  reports: number;
  /** The reports with the most messages overridden for this reason (at most 5). */
  examples: OverrideExample[];
}

export interface Overrides {
  /** Messages with at least one override reason. */
  messages: number;
  items: OverrideItem[];
}

interface OverrideRow {
  type: string;
  report_id: number;
  reporter_org: string;
  domain: string;
  day: string | null;
  messages: number;
  records: number;
}

/** Without a source filter: report_reasons, written with each report (no records are read). */
async function overridesFromRollup(
  db: Queryable,
  f: ScopedFilter,
): Promise<(OverrideRow & { total: number | null })[]> {
  const p = new Params();
  const cond = rollupConditions(f, p, 'x');
  const r = await db.query<OverrideRow & { total: number | null }>(
    `WITH x AS MATERIALIZED (SELECT * FROM report_reasons x ${where(cond)})
     SELECT x.reason AS type, x.report_id, r.reporter_org, r.domain, to_char(r.day, 'YYYY-MM-DD') AS day,
       sum(x.messages) AS messages, sum(x.records) AS records,
       (SELECT sum(messages) FROM x WHERE reason = '*') AS total
     FROM x JOIN reports r ON r.id = x.report_id AND r.org_id = ${p.add(f.orgId)}
     WHERE x.reason <> '*'
     GROUP BY x.reason, x.report_id, r.reporter_org, r.domain, r.day`,
    p.values,
  );
  return r.rows;
}

/** With a source filter: the records of that source carrying a reason (selective through the IP index). */
async function overridesFromRecords(
  db: Queryable,
  f: ScopedFilter,
): Promise<(OverrideRow & { total: number | null })[]> {
  const p = new Params();
  const cond = [...reportConditions(reportLevel(f), p), ...recordConditions(f, p), 'cardinality(c.reason_types) > 0'];
  // One pass over the records with a reason (c); per (reason, report) from it, a record listing the same
  // reason twice counting once; and the messages with any reason, from the same rows.
  const r = await db.query<OverrideRow & { total: number | null }>(
    `WITH c AS MATERIALIZED (
       SELECT c.report_id, c.idx, c.count, c.reason_types
       FROM records c JOIN reports r ON r.id = c.report_id
       ${where(cond)}
     ), x AS (
       SELECT DISTINCT c.report_id, c.idx, c.count, lower(t.type) AS type
       FROM c CROSS JOIN LATERAL unnest(c.reason_types) AS t(type)
     )
     SELECT x.type, x.report_id, r.reporter_org, r.domain, to_char(r.day, 'YYYY-MM-DD') AS day,
       sum(x.count) AS messages, count(*) AS records, (SELECT sum(count) FROM c) AS total
     FROM x JOIN reports r ON r.id = x.report_id AND r.org_id = ${p.add(f.orgId)}
     GROUP BY x.type, x.report_id, r.reporter_org, r.domain, r.day`,
    p.values,
  );
  return r.rows;
}

export async function overrides(db: Queryable, f: ScopedFilter): Promise<Overrides> {
  const r = !needsSourceRollup(f) ? await overridesFromRollup(db, f) : await overridesFromRecords(db, f);
  const byType = new Map<string, OverrideItem & { all: OverrideExample[] }>();
  for (const row of r) {
    let item = byType.get(row.type);
    if (!item) {
      item = { type: row.type, messages: 0, records: 0, reports: 0, examples: [], all: [] };
      byType.set(row.type, item);
    }
    item.messages += row.messages;
    item.records += row.records;
    item.reports += 1;
    item.all.push({
      reportId: row.report_id,
      orgName: row.reporter_org,
      domain: row.domain,
      date: row.day,
      messages: row.messages,
    });
  }
  const items = [...byType.values()]
    .map(({ all, ...item }) => ({
      ...item,
      examples: all.sort((a, b) => b.messages - a.messages || b.reportId - a.reportId).slice(0, 5),
    }))
    .sort((a, b) => b.messages - a.messages || (a.type < b.type ? -1 : 1));
  return { messages: r[0]?.total ?? 0, items };
}
