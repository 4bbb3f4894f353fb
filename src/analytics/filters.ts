// The analytics filters (the same for the CLI summary and every API route) and their translation into SQL
// conditions on the rollup tables, the records and the reports table. Every query is scoped to one organisation:
// the condition builders take a ScopedFilter and always start with its org_id, so that no query can forget it.
// Values are always bound parameters.
import { facetDisposition, facetPassesDmarc, failsDmarc, passesDmarc } from '../store/dmarc-sql.js';
import { NOT_LOCATED } from '../model/countries.js';
import { senderMatches } from './sender-sql.js';

export interface AnalyticsFilter {
  /** Policy domain, lower-case. */
  domain?: string;
  /** Inclusive UTC dates 'YYYY-MM-DD', on the report period's begin date. */
  from?: string;
  to?: string;
  /**
   * Instead of from/to: 'all' = every report, with a readable period or not; 'none' = only the reports without
   * one (their day is NULL, so no date range holds them). Absent like 'all', except for trends (last 30 days).
   */
  period?: 'all' | 'none';
  /** Reporting organisation (the report's org_name), exact. The API's `org` query parameter. */
  reporter?: string;
  /** An address or a CIDR network. */
  sourceIp?: string;
  disposition?: 'none' | 'quarantine' | 'reject' | 'pass';
  dmarc?: 'pass' | 'fail';
  /** The source's country (ISO 3166-1 alpha-2, upper case), from its enrichment. */
  country?: string;
  /** The source's autonomous system number, from its enrichment. */
  asn?: number;
  /** The source's sender: its key (sendgrid, ptr:example.net, own:our exchange) or its name, case-insensitive. */
  sender?: string;
}

/** Whose data: the organisation every query reads. */
export interface Scope {
  orgId: number;
}

export type ScopedFilter = AnalyticsFilter & Scope;

/** Collects bound parameters while conditions are written. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** Conditions on the outcome of a row (rollup row or record, alias `a`): disposition and DMARC pass/fail. */
export function outcomeConditions(f: AnalyticsFilter, p: Params, alias?: string): string[] {
  const t = alias ? `${alias}.` : '';
  const c: string[] = [];
  if (f.disposition !== undefined) c.push(`${t}disposition = ${p.add(f.disposition)}`);
  if (f.dmarc === 'pass') c.push(passesDmarc(alias));
  if (f.dmarc === 'fail') c.push(failsDmarc(alias));
  return c;
}

/** Conditions on rollup_daily / rollup_source_daily / report_reasons (alias `t`); source_ip only on the source table. */
export function rollupConditions(f: ScopedFilter, p: Params, alias = ''): string[] {
  const t = alias ? `${alias}.` : '';
  const c: string[] = [`${t}org_id = ${p.add(f.orgId)}`];
  if (f.domain !== undefined) c.push(`${t}domain = ${p.add(f.domain)}`);
  if (f.from !== undefined) c.push(`${t}day >= ${p.add(f.from)}::date`);
  if (f.to !== undefined) c.push(`${t}day <= ${p.add(f.to)}::date`);
  if (f.period === 'none') c.push(`${t}day IS NULL`);
  if (f.reporter !== undefined) c.push(`${t}reporter = ${p.add(f.reporter)}`);
  if (f.sourceIp !== undefined) c.push(`${t}source_ip <<= ${p.add(f.sourceIp)}::inet`);
  c.push(...sourceConditions(f, p, `${t}source_ip`, `${t}domain`));
  return [...c, ...outcomeConditions(f, p, alias || undefined)];
}

/**
 * Conditions on the source's enrichment and sender (country, asn, sender), for a row whose source address is the
 * column `ip` and policy domain the column `domain` (a sender rule may be for one domain only).
 */
export function sourceConditions(f: ScopedFilter, p: Params, ip: string, domain: string): string[] {
  const c: string[] = [];
  if (f.country === NOT_LOCATED) {
    // what the countries answer counts as country null: no enrichment, or one without a country
    c.push(`NOT EXISTS (SELECT 1 FROM ip_enrichment ge WHERE ge.ip = ${ip} AND ge.country IS NOT NULL)`);
  } else if (f.country !== undefined) {
    c.push(`${ip} IN (SELECT ge.ip FROM ip_enrichment ge WHERE ge.country = ${p.add(f.country)})`);
  }
  if (f.asn !== undefined) c.push(`${ip} IN (SELECT ge.ip FROM ip_enrichment ge WHERE ge.asn = ${p.add(f.asn)})`);
  if (f.sender !== undefined) c.push(senderMatches(p, f.orgId, f.sender, ip, domain));
  return c;
}

/**
 * Conditions on records (alias `c`) for the organisation and the outcome and source filters; `domain` is the
 * column of the record's policy domain (its report's).
 */
export function recordConditions(f: ScopedFilter, p: Params, alias = 'c', domain = 'r.domain'): string[] {
  const c: string[] = [`${alias}.org_id = ${p.add(f.orgId)}`];
  if (f.sourceIp !== undefined) c.push(`${alias}.source_ip <<= ${p.add(f.sourceIp)}::inet`);
  c.push(...sourceConditions(f, p, `${alias}.source_ip`, domain));
  return [...c, ...outcomeConditions(f, p, alias)];
}

/** Whether the filter needs the per-source rollup (it names a source, or what is known of sources). */
export function needsSourceRollup(f: AnalyticsFilter): boolean {
  return f.sourceIp !== undefined || f.country !== undefined || f.asn !== undefined || f.sender !== undefined;
}

/** The rollup table that can answer the filter. */
export function rollupTable(f: AnalyticsFilter): 'rollup_source_daily' | 'rollup_daily' {
  return needsSourceRollup(f) ? 'rollup_source_daily' : 'rollup_daily';
}

/** The filter without its record-level conditions (outcome, source): what the reports table alone can answer. */
export function reportLevel(f: ScopedFilter): ScopedFilter {
  return { orgId: f.orgId, domain: f.domain, from: f.from, to: f.to, period: f.period, reporter: f.reporter };
}

/**
 * Conditions on the reports table (alias `r`) selecting the organisation's reports that have at least one record
 * matching the filter's outcome conditions (through the report's facets), or any record from the source network.
 */
export function reportConditions(f: ScopedFilter, p: Params, alias = 'r'): string[] {
  const r = `${alias}.`;
  const c: string[] = [`${r}org_id = ${p.add(f.orgId)}`];
  if (f.domain !== undefined) c.push(`${r}domain = ${p.add(f.domain)}`);
  if (f.from !== undefined) c.push(`${r}day >= ${p.add(f.from)}::date`);
  if (f.to !== undefined) c.push(`${r}day <= ${p.add(f.to)}::date`);
  if (f.period === 'none') c.push(`${r}day IS NULL`);
  if (f.reporter !== undefined) c.push(`${r}reporter = ${p.add(f.reporter)}`);
  if (f.disposition !== undefined || f.dmarc !== undefined) {
    // facet = "disposition/dkim/spf"
    const fc: string[] = [];
    if (f.disposition !== undefined) fc.push(`${facetDisposition('fct')} = ${p.add(f.disposition)}`);
    if (f.dmarc === 'pass') fc.push(facetPassesDmarc('fct'));
    if (f.dmarc === 'fail') fc.push(`NOT ${facetPassesDmarc('fct')}`);
    c.push(`EXISTS (SELECT 1 FROM unnest(${r}facets) AS fct WHERE ${fc.join(' AND ')})`);
  }
  if (needsSourceRollup(f)) {
    c.push(
      `EXISTS (SELECT 1 FROM records x WHERE x.report_id = ${r}id AND ${recordConditions(f, p, 'x', `${r}domain`).join(' AND ')})`,
    );
  }
  return c;
}

export function where(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
