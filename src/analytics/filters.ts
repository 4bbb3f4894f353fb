// The analytics filters (the same for the CLI summary and every API route) and their translation into SQL
// conditions on the rollup tables and on the reports table. Values are always bound parameters.

export interface AnalyticsFilter {
  /** Policy domain, lower-case. */
  domain?: string;
  /** Inclusive UTC dates 'YYYY-MM-DD', on the report period's begin date. */
  from?: string;
  to?: string;
  /** Reporter organisation name, exact. */
  org?: string;
  /** An address or a CIDR network. */
  sourceIp?: string;
  disposition?: 'none' | 'quarantine' | 'reject' | 'pass';
  dmarc?: 'pass' | 'fail';
}

/** Collects bound parameters while conditions are written. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const DMARC_PASS = (t: string): string => `(${t}dkim = 'pass' OR ${t}spf = 'pass')`;

/** SQL for "this rollup row's messages pass DMARC". */
export function dmarcPassCondition(alias = ''): string {
  return DMARC_PASS(alias ? `${alias}.` : '');
}

/** Conditions on rollup_daily / rollup_source_daily (alias `t`); source_ip only on the source table. */
export function rollupConditions(f: AnalyticsFilter, p: Params, alias = ''): string[] {
  const t = alias ? `${alias}.` : '';
  const c: string[] = [];
  if (f.domain !== undefined) c.push(`${t}domain = ${p.add(f.domain)}`);
  if (f.from !== undefined) c.push(`${t}day >= ${p.add(f.from)}::date`);
  if (f.to !== undefined) c.push(`${t}day <= ${p.add(f.to)}::date`);
  if (f.org !== undefined) c.push(`${t}org_name = ${p.add(f.org)}`);
  if (f.sourceIp !== undefined) c.push(`${t}source_ip <<= ${p.add(f.sourceIp)}::inet`);
  if (f.disposition !== undefined) c.push(`${t}disposition = ${p.add(f.disposition)}`);
  if (f.dmarc === 'pass') c.push(DMARC_PASS(t));
  if (f.dmarc === 'fail') c.push(`NOT coalesce(${DMARC_PASS(t)}, false)`);
  return c;
}

/** Whether the filter needs the per-source rollup (it names a source). */
export function needsSourceRollup(f: AnalyticsFilter): boolean {
  return f.sourceIp !== undefined;
}

/**
 * Conditions on the reports table (alias `r`) selecting the reports that have at least one record matching
 * the filter's outcome conditions (through the report's facets), or any record from the source network.
 */
export function reportConditions(f: AnalyticsFilter, p: Params, alias = 'r'): string[] {
  const r = `${alias}.`;
  const c: string[] = [];
  if (f.domain !== undefined) c.push(`${r}domain = ${p.add(f.domain)}`);
  if (f.from !== undefined) c.push(`${r}day >= ${p.add(f.from)}::date`);
  if (f.to !== undefined) c.push(`${r}day <= ${p.add(f.to)}::date`);
  if (f.org !== undefined) c.push(`${r}org_name = ${p.add(f.org)}`);
  if (f.disposition !== undefined || f.dmarc !== undefined) {
    // facet = "disposition/dkim/spf"
    const fc: string[] = [];
    if (f.disposition !== undefined) fc.push(`split_part(fct, '/', 1) = ${p.add(f.disposition)}`);
    if (f.dmarc === 'pass') fc.push(`(split_part(fct, '/', 2) = 'pass' OR split_part(fct, '/', 3) = 'pass')`);
    if (f.dmarc === 'fail') fc.push(`NOT (split_part(fct, '/', 2) = 'pass' OR split_part(fct, '/', 3) = 'pass')`);
    c.push(`EXISTS (SELECT 1 FROM unnest(${r}facets) AS fct WHERE ${fc.join(' AND ')})`);
  }
  if (f.sourceIp !== undefined) {
    const net = p.add(f.sourceIp);
    const outcome: string[] = [];
    if (f.disposition !== undefined) outcome.push(`x.disposition = ${p.add(f.disposition)}`);
    if (f.dmarc === 'pass') outcome.push(DMARC_PASS('x.'));
    if (f.dmarc === 'fail') outcome.push(`NOT coalesce(${DMARC_PASS('x.')}, false)`);
    c.push(
      `EXISTS (SELECT 1 FROM records x WHERE x.report_id = ${r}id AND x.source_ip <<= ${net}::inet` +
        `${outcome.map((o) => ` AND ${o}`).join('')})`,
    );
  }
  return c;
}

export function where(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
