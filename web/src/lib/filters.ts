// The dashboard's filters and their place in the URL: domain, date range (preset or custom), reporter and
// DMARC result. Parsing is forgiving (a bad value is dropped, never an error page); writing leaves defaults
// out, so that URLs stay short and shareable. Pure functions: no DOM, no clock (today is passed in).

export type RangePreset = '7d' | '30d' | '90d' | 'all';
export const RANGE_PRESETS: readonly RangePreset[] = ['7d', '30d', '90d', 'all'];
export const DEFAULT_RANGE: RangePreset = '30d';
/**
 * A preset, a custom range, or 'none': the reports without a readable period (no begin date), which no date
 * range holds ("all" holds them too).
 */
export type Range = RangePreset | 'custom' | 'none';
export const RANGE_LABELS: Record<Range, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  all: 'All time',
  custom: 'Custom range',
  none: 'No period',
};

export interface Filters {
  domain?: string;
  range: Range;
  /** Only with range 'custom': inclusive UTC dates YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** Reporter organisation name. */
  org?: string;
  dmarc?: 'pass' | 'fail';
  /** The sources' country, ISO 3166-1 alpha-2 (upper case); NOT_LOCATED: the sources not located. */
  country?: string;
  /** The sources' AS number. */
  asn?: number;
  /** The sources' sender: a key of /api/rollup/senders or its name. */
  sender?: string;
}

/** The URL parameters that hold filters (everything else belongs to the page). */
/** The country filter's code for sources not located (the API's, CLDR's unknown region). */
export const NOT_LOCATED = 'ZZ';

/** 'country DE', or 'not located'. */
export function countryLabel(country: string): string {
  return country === NOT_LOCATED ? 'not located' : `country ${country}`;
}

export const FILTER_KEYS = ['domain', 'range', 'from', 'to', 'org', 'dmarc', 'country', 'asn', 'sender'] as const;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(s: string | null | undefined): s is string {
  if (!s || !DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function clean(v: string | null): string | undefined {
  const t = v?.trim();
  return t ? t.slice(0, 500) : undefined;
}

export function parseFilters(search: string | URLSearchParams): Filters {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  const f: Filters = { range: DEFAULT_RANGE };
  const domain = clean(q.get('domain'));
  if (domain) f.domain = domain.toLowerCase().replace(/\.$/, '');
  const from = q.get('from');
  const to = q.get('to');
  const range = q.get('range');
  if (isCalendarDate(from) && isCalendarDate(to)) {
    f.range = 'custom';
    [f.from, f.to] = from <= to ? [from, to] : [to, from];
  } else if (range && (RANGE_PRESETS as readonly string[]).includes(range)) {
    f.range = range as RangePreset;
  } else if (range === 'none') {
    f.range = 'none';
  }
  const org = clean(q.get('org'));
  if (org) f.org = org;
  const dmarc = q.get('dmarc');
  if (dmarc === 'pass' || dmarc === 'fail') f.dmarc = dmarc;
  const country = q.get('country');
  if (country && /^[A-Za-z]{2}$/.test(country)) f.country = country.toUpperCase();
  const asn = q.get('asn');
  if (asn && /^\d{1,10}$/.test(asn) && Number(asn) <= 4_294_967_295) f.asn = Number(asn);
  const sender = clean(q.get('sender'));
  if (sender) f.sender = sender.slice(0, 300);
  return f;
}

/** The filters as URL parameters, defaults left out. */
export function filtersToParams(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.domain) q.set('domain', f.domain);
  if (f.range === 'custom' && f.from && f.to) {
    q.set('from', f.from);
    q.set('to', f.to);
  } else if (f.range !== 'custom' && f.range !== DEFAULT_RANGE) {
    q.set('range', f.range);
  }
  if (f.org) q.set('org', f.org);
  if (f.dmarc) q.set('dmarc', f.dmarc);
  if (f.country) q.set('country', f.country);
  if (f.asn !== undefined) q.set('asn', String(f.asn));
  if (f.sender) q.set('sender', f.sender);
  return q;
}

/**
 * A search string with new filters, keeping the page's own parameters (sorting, selection) from `current`,
 * except those in `drop` (e.g. the pagination cursor, which a filter change invalidates).
 */
export function withFilters(current: string, f: Filters, drop: readonly string[] = ['cursor', 'page']): string {
  const old = new URLSearchParams(current);
  const q = filtersToParams(f);
  for (const [k, v] of old) {
    if ((FILTER_KEYS as readonly string[]).includes(k) || drop.includes(k)) continue;
    q.append(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A search string with page parameters set (null removes), filters untouched. */
export function withParams(current: string, set: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams(current);
  for (const [k, v] of Object.entries(set)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface DateSpan {
  from: string;
  to: string;
}

/**
 * The dates a filter covers. Presets end today (UTC) and include it; "all" spans the data (`extent`, the first
 * and last day with reports) and is undefined when there is no data; "none" covers no dates.
 */
export function resolveRange(f: Filters, today: string, extent?: DateSpan | null): DateSpan | undefined {
  switch (f.range) {
    case 'custom':
      return f.from && f.to ? { from: f.from, to: f.to } : undefined;
    case 'all':
      return extent ?? undefined;
    case 'none':
      return undefined;
    default: {
      const days = Number(f.range.slice(0, -1));
      return { from: addDays(today, -(days - 1)), to: today };
    }
  }
}

/**
 * The query every API list and rollup route understands, for these filters. All time is period=all rather than
 * the span of the data, which would leave out the reports without a readable period.
 */
export function apiQuery(f: Filters, span: DateSpan | undefined): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.domain) q.domain = f.domain;
  if (f.range === 'all' || f.range === 'none') q.period = f.range;
  else if (span) {
    q.from = span.from;
    q.to = span.to;
  }
  if (f.org) q.org = f.org;
  if (f.dmarc) q.dmarc = f.dmarc;
  if (f.country) q.country = f.country;
  if (f.asn !== undefined) q.asn = String(f.asn);
  if (f.sender) q.sender = f.sender;
  return q;
}

/**
 * The query of the filters other than domain and dates, for answers that choose their own days (the forecasts
 * fit the data's last weeks whatever the period shown).
 */
export function undatedQuery(f: Filters): Record<string, string> {
  const { domain: _domain, period: _period, ...rest } = apiQuery(f, undefined);
  return rest;
}

/** Timeline bucket for a span: days up to ~4 months, weeks up to 2 years, else months. */
export function intervalFor(span: DateSpan | undefined): 'day' | 'week' | 'month' {
  if (!span) return 'day';
  const n = daysBetween(span.from, span.to);
  if (n <= 120) return 'day';
  if (n <= 730) return 'week';
  return 'month';
}

/** The last day of a timeline bucket that starts on `start`. */
export function bucketEnd(start: string, interval: 'day' | 'week' | 'month'): string {
  if (interval === 'day') return start;
  if (interval === 'week') return addDays(start, 6);
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1, 0);
  return d.toISOString().slice(0, 10);
}

/**
 * Why the DMARC-result filter leaves a compliance rate nothing to say (every message counted fails, or passes,
 * so the rate is 0 % or 100 % by definition), for a chart or figure to show instead; null when the rate means
 * something.
 */
export function fixedRateReason(f: Filters): string | null {
  if (f.dmarc === 'fail') {
    return 'With “Fail only” every message counted fails DMARC, so the compliance rate is 0 % by definition. Choose “Pass and fail” under DMARC result to see it.';
  }
  if (f.dmarc === 'pass') {
    return 'With “Pass only” every message counted passes DMARC, so the compliance rate is 100 % by definition. Choose “Pass and fail” under DMARC result to see it.';
  }
  return null;
}

/** Plain words for the active filters, e.g. "example.com · Last 30 days · google.com · failing". */
export function describeFilters(f: Filters, span?: DateSpan): string {
  const parts: string[] = [];
  parts.push(f.domain ?? 'All domains');
  parts.push(f.range === 'custom' && span ? `${span.from} to ${span.to}` : RANGE_LABELS[f.range]);
  if (f.org) parts.push(`reporter ${f.org}`);
  if (f.dmarc) parts.push(f.dmarc === 'pass' ? 'DMARC pass only' : 'DMARC fail only');
  if (f.country) parts.push(countryLabel(f.country));
  if (f.asn !== undefined) parts.push(`AS${f.asn}`);
  if (f.sender) parts.push(`sender ${f.sender}`);
  return parts.join(' · ');
}
