// The filters of the SMTP TLS report answers, and their SQL conditions on tls_reports (alias `t`).
import { Params, where } from './filters.js';

export interface TlsFilter {
  orgId: number;
  /** Policy domain, lower case. */
  domain?: string;
  /** Inclusive UTC dates on the report period's begin. */
  from?: string;
  to?: string;
  /** Reporting organisation as the report names it (any case). */
  reporter?: string;
  /** Only reports with a failure detail of this result type. */
  resultType?: string;
}

export function tlsConditions(f: TlsFilter, p: Params): string[] {
  const c = [`t.org_id = ${p.add(f.orgId)}`];
  if (f.domain !== undefined) c.push(`t.domain = ${p.add(f.domain)}`);
  if (f.from !== undefined) c.push(`t.day >= ${p.add(f.from)}::date`);
  if (f.to !== undefined) c.push(`t.day <= ${p.add(f.to)}::date`);
  if (f.reporter !== undefined) c.push(`lower(t.reporter_org) = lower(${p.add(f.reporter)})`);
  if (f.resultType !== undefined) {
    c.push(
      `EXISTS (SELECT 1 FROM tls_report_policies xp JOIN tls_failure_details xd ON xd.policy = xp.id
        WHERE xp.report = t.id AND xp.org_id = t.org_id AND xd.result_type = ${p.add(f.resultType)})`,
    );
  }
  return c;
}

export { Params, where };
