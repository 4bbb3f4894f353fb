// The SMTP TLS summary: per policy domain, sessions (successful, failed, failure share) and failed sessions by
// result type; and the failed sessions by result type per day, for the chart.
import type { Queryable } from '../store/database.js';
import { Params, tlsConditions, where, type TlsFilter } from './tls-filter.js';

export interface TlsDomainSummary {
  domain: string;
  reports: number;
  sessions: number;
  successfulSessions: number;
  failedSessions: number;
  failureShare: number | null;
  /** Failed sessions by result type, most first (from the failure details). */
  byResultType: { resultType: string; failedSessions: number }[];
}

export interface TlsSummary {
  domains: TlsDomainSummary[];
  /** Failed sessions per day (the report period's begin date) and result type, by day. */
  series: { date: string; resultType: string; failedSessions: number }[];
}

export async function summariseTls(db: Queryable, f: TlsFilter): Promise<TlsSummary> {
  const p = new Params();
  const cond = where(tlsConditions(f, p));
  const totals = await db.query<{ domain: string; reports: number; ok: number; failed: number }>(
    `SELECT t.domain, count(*)::int AS reports, sum(t.successful_sessions)::int8 AS ok,
       sum(t.failed_sessions)::int8 AS failed
     FROM tls_reports t ${cond} GROUP BY t.domain ORDER BY t.domain`,
    p.values,
  );
  const types = await db.query<{ domain: string; day: string; result_type: string; failed: number }>(
    `SELECT t.domain, to_char(t.day, 'YYYY-MM-DD') AS day, d.result_type, sum(d.failed_session_count)::int8 AS failed
     FROM tls_reports t
     JOIN tls_report_policies po ON po.report = t.id AND po.org_id = t.org_id
     JOIN tls_failure_details d ON d.policy = po.id AND d.org_id = t.org_id
     ${cond}
     GROUP BY t.domain, t.day, d.result_type ORDER BY t.day, d.result_type`,
    p.values,
  );
  const byDomain = new Map<string, Map<string, number>>();
  const series = new Map<string, number>();
  for (const r of types.rows) {
    const m = byDomain.get(r.domain) ?? new Map<string, number>();
    m.set(r.result_type, (m.get(r.result_type) ?? 0) + Number(r.failed));
    byDomain.set(r.domain, m);
    const key = `${r.day}\t${r.result_type}`;
    series.set(key, (series.get(key) ?? 0) + Number(r.failed));
  }
  return {
    domains: totals.rows.map((r) => {
      const ok = Number(r.ok);
      const failed = Number(r.failed);
      return {
        domain: r.domain,
        reports: r.reports,
        sessions: ok + failed,
        successfulSessions: ok,
        failedSessions: failed,
        failureShare: ok + failed > 0 ? failed / (ok + failed) : null,
        byResultType: [...(byDomain.get(r.domain) ?? new Map<string, number>())]
          .map(([resultType, failedSessions]) => ({ resultType, failedSessions }))
          .sort((a, b) => b.failedSessions - a.failedSessions || a.resultType.localeCompare(b.resultType)),
      };
    }),
    series: [...series].map(([key, failedSessions]) => {
      const [date = '', resultType = ''] = key.split('\t');
      return { date, resultType, failedSessions };
    }),
  };
}
