// Headline figures per policy domain and in total, from the rollups (messages) and the reports table
// (report counts) — never from records.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, reportConditions, rollupConditions, rollupTable, where, type ScopedFilter } from './filters.js';

export interface DispositionCounts {
  none: number;
  quarantine: number;
  reject: number;
  pass: number;
}

export interface SummaryFigures {
  reports: number;
  records: number;
  messages: number;
  dmarcPass: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  disposition: DispositionCounts;
}

export interface DomainSummary extends SummaryFigures {
  domain: string;
}

export interface Summary {
  domains: DomainSummary[];
  totals: SummaryFigures;
}

interface MessageRow {
  domain: string;
  records: number;
  messages: number;
  dmarc_pass: number;
  dkim_aligned_pass: number;
  spf_aligned_pass: number;
  disp_none: number;
  disp_quarantine: number;
  disp_reject: number;
  disp_pass: number;
}

export function emptyFigures(): SummaryFigures {
  return {
    reports: 0,
    records: 0,
    messages: 0,
    dmarcPass: 0,
    dkimAlignedPass: 0,
    spfAlignedPass: 0,
    disposition: { none: 0, quarantine: 0, reject: 0, pass: 0 },
  };
}

export function addFigures(t: SummaryFigures, f: SummaryFigures): void {
  t.reports += f.reports;
  t.records += f.records;
  t.messages += f.messages;
  t.dmarcPass += f.dmarcPass;
  t.dkimAlignedPass += f.dkimAlignedPass;
  t.spfAlignedPass += f.spfAlignedPass;
  t.disposition.none += f.disposition.none;
  t.disposition.quarantine += f.disposition.quarantine;
  t.disposition.reject += f.disposition.reject;
  t.disposition.pass += f.disposition.pass;
}

/** SELECT list computing the headline message figures from rollup rows. */
export const FIGURE_COLUMNS = `coalesce(sum(records), 0) AS records, coalesce(sum(messages), 0) AS messages,
  coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
  coalesce(sum(messages) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned_pass,
  coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned_pass,
  coalesce(sum(messages) FILTER (WHERE disposition = 'none'), 0) AS disp_none,
  coalesce(sum(messages) FILTER (WHERE disposition = 'quarantine'), 0) AS disp_quarantine,
  coalesce(sum(messages) FILTER (WHERE disposition = 'reject'), 0) AS disp_reject,
  coalesce(sum(messages) FILTER (WHERE disposition = 'pass'), 0) AS disp_pass`;

export function figuresFromRow(row: Omit<MessageRow, 'domain'>, reports: number): SummaryFigures {
  return {
    reports,
    records: row.records,
    messages: row.messages,
    dmarcPass: row.dmarc_pass,
    dkimAlignedPass: row.dkim_aligned_pass,
    spfAlignedPass: row.spf_aligned_pass,
    disposition: {
      none: row.disp_none,
      quarantine: row.disp_quarantine,
      reject: row.disp_reject,
      pass: row.disp_pass,
    },
  };
}

export async function summarise(db: Queryable, filter: ScopedFilter): Promise<Summary> {
  const mp = new Params();
  const table = rollupTable(filter);
  const messages = await db.query<MessageRow>(
    `SELECT domain, ${FIGURE_COLUMNS} FROM ${table} ${where(rollupConditions(filter, mp))} GROUP BY domain`,
    mp.values,
  );
  const rp = new Params();
  const reports = await db.query<{ domain: string; n: number }>(
    `SELECT r.domain, count(*) AS n FROM reports r ${where(reportConditions(filter, rp))} GROUP BY r.domain`,
    rp.values,
  );
  const reportCount = new Map(reports.rows.map((r) => [r.domain, r.n]));
  const byDomain = new Map(messages.rows.map((r) => [r.domain, r]));
  // A report with no records still counts as a report of its domain.
  const names = [...new Set([...byDomain.keys(), ...reportCount.keys()])].sort();
  const totals = emptyFigures();
  const domains = names.map((domain): DomainSummary => {
    const row = byDomain.get(domain);
    const f = row
      ? figuresFromRow(row, reportCount.get(domain) ?? 0)
      : { ...emptyFigures(), reports: reportCount.get(domain) ?? 0 };
    addFigures(totals, f);
    return { domain, ...f };
  });
  return { domains, totals };
}
