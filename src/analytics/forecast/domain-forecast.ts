// The forecast of one domain's daily messages or DMARC failure share, narrowed by the charts' other filters, and
// its cached answer (the organisation is the cache's namespace; domain, filters, metric and horizon the key).
// Answers GET /api/analytics/forecast.
import type { Database, Queryable } from '../../store/database.js';
import type { Answer } from '../answers.js';
import type { AnalyticsCache } from '../cache.js';
import { filterKey } from '../filter-key.js';
import { MIN_HOLT_WINTERS, MIN_SEASONAL_NAIVE, forecastSeries, type ForecastMethod } from './forecast.js';
import { MESSAGES_BOUNDS, SHARE_BOUNDS } from './intervals.js';
import { HISTORY_DAYS, addDays, dailySeries, failureShares, type SeriesFilter } from './series.js';

export type ForecastMetric = 'messages' | 'failure_rate';

export interface ForecastRequest extends SeriesFilter {
  metric: ForecastMetric;
  /** Days ahead, 1..28. */
  days: number;
}

export interface DomainForecast {
  domain: string;
  metric: ForecastMetric;
  method: ForecastMethod;
  /** Why this method, in words (the fallbacks say so). */
  note: string;
  /** The days the model was fitted on (null: none). */
  history: { from: string; to: string; days: number } | null;
  points: { day: string; value: number; lower80: number; upper80: number; lower95: number; upper95: number }[];
  backtestMae: number | null;
  naiveMae: number | null;
  params: { alpha: number; beta: number; gamma: number } | null;
}

function noteOf(method: ForecastMethod, n: number, filtered: boolean): string {
  if (n === 0) return `No day with data for this domain${filtered ? ' and these filters' : ''}: nothing to forecast.`;
  if (method === 'none') {
    return `Only ${n} day${n === 1 ? '' : 's'} of history: a forecast needs at least ${MIN_SEASONAL_NAIVE}.`;
  }
  if (method === 'seasonal_naive') {
    return (
      `Only ${n} days of history, fewer than two weeks (${MIN_HOLT_WINTERS}): seasonal naive forecast ` +
      '(each day as the same weekday of the last week), not Holt–Winters.'
    );
  }
  return `Holt–Winters (additive, weekly season) fitted on the last ${n} days (at most ${HISTORY_DAYS}).`;
}

/** Whether anything beyond the organisation and domain narrows the series. */
function isFiltered(f: SeriesFilter): boolean {
  return Object.entries(f).some(([k, v]) => k !== 'orgId' && k !== 'domain' && v !== undefined);
}

export async function forecastDomain(db: Queryable, r: ForecastRequest): Promise<DomainForecast> {
  const { metric, days, ...filter } = r;
  const s = await dailySeries(db, filter);
  const values = metric === 'messages' ? s.messages : failureShares(s);
  const f = forecastSeries(values, days, metric === 'messages' ? MESSAGES_BOUNDS : SHARE_BOUNDS);
  const to = s.to;
  return {
    domain: r.domain,
    metric: r.metric,
    method: f.method,
    note: noteOf(f.method, values.length, isFiltered(filter)),
    history: s.from !== null && to !== null ? { from: s.from, to, days: values.length } : null,
    points: to === null ? [] : f.points.map((p, i) => ({ day: addDays(to, i + 1), ...p })),
    backtestMae: f.backtestMae,
    naiveMae: f.naiveMae,
    params: f.params,
  };
}

export function forecastAnswer(
  db: Database,
  cache: AnalyticsCache,
  statementTimeoutMs: number,
): (r: ForecastRequest) => Promise<Answer<DomainForecast>> {
  return (r) =>
    cache.getOrCompute(r.orgId, `forecast:${filterKey(r)}`, () =>
      db.readOnly(statementTimeoutMs, (q) => forecastDomain(q, r)),
    );
}
