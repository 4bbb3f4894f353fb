// Policy domains with their totals and the latest published policy.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, reportConditions, rollupConditions, rollupTable, where, type ScopedFilter } from './filters.js';
import { publishedPolicy, type PolicyColumns, type PublishedPolicy } from './policy.js';

export interface DomainItem {
  domain: string;
  reports: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  firstDate: string | null;
  lastDate: string | null;
  /** From the most recent report (by period begin) of the domain in the filter's range. */
  policy: PublishedPolicy;
  policyDate: string | null;
  reporters: number;
}

interface Row {
  domain: string;
  messages: number | null;
  dmarc_pass: number | null;
  first_date: string | null;
  last_date: string | null;
  reporters: number | null;
}

interface PolicyRow extends PolicyColumns {
  domain: string;
  reports: number;
  policy_date: string | null;
}

export type DomainSort = 'domain' | 'messages' | 'complianceRate' | 'reports';

export async function domains(
  db: Queryable,
  f: ScopedFilter,
  opts: { sort: DomainSort; order: 'asc' | 'desc' },
): Promise<DomainItem[]> {
  const mp = new Params();
  const table = rollupTable(f);
  const rp = new Params();
  const [m, pol] = await Promise.all([
    db.query<Row>(
      `SELECT domain, sum(messages) AS messages,
         coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
         to_char(min(day), 'YYYY-MM-DD') AS first_date, to_char(max(day), 'YYYY-MM-DD') AS last_date,
         count(DISTINCT reporter) AS reporters
       FROM ${table} ${where(rollupConditions(f, mp))} GROUP BY domain`,
      mp.values,
    ),
    db.query<PolicyRow>(
      `SELECT DISTINCT ON (r.domain) r.domain, count(*) OVER (PARTITION BY r.domain) AS reports,
         r.p, r.sp, r.np, r.pct, r.adkim, r.aspf, r.fo, r.testing, r.discovery_method,
         to_char(r.day, 'YYYY-MM-DD') AS policy_date
       FROM reports r ${where(reportConditions(f, rp))}
       ORDER BY r.domain, r.begin_at DESC NULLS LAST, r.id DESC`,
      rp.values,
    ),
  ]);
  const byDomain = new Map(m.rows.map((x) => [x.domain, x]));
  const items = pol.rows.map((x): DomainItem => {
    const s = byDomain.get(x.domain);
    const messages = s?.messages ?? 0;
    const pass = s?.dmarc_pass ?? 0;
    return {
      domain: x.domain,
      reports: x.reports,
      messages,
      dmarcPass: pass,
      dmarcFail: messages - pass,
      complianceRate: messages > 0 ? pass / messages : null,
      firstDate: s?.first_date ?? null,
      lastDate: s?.last_date ?? null,
      policy: publishedPolicy(x),
      policyDate: x.policy_date,
      reporters: s?.reporters ?? 0,
    };
  });
  const key: Record<DomainSort, (d: DomainItem) => number | string> = {
    domain: (d) => d.domain,
    messages: (d) => d.messages,
    complianceRate: (d) => d.complianceRate ?? -1,
    reports: (d) => d.reports,
  };
  const sign = opts.order === 'asc' ? 1 : -1;
  return items.sort((a, b) => {
    const ka = key[opts.sort](a);
    const kb = key[opts.sort](b);
    return (ka < kb ? -1 : ka > kb ? 1 : 0) * sign || (a.domain < b.domain ? -1 : 1);
  });
}
