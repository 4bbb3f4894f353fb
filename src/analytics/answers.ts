// Every cached analytics answer, in one place: the HTTP routes and the cache warm-up both call these, so that a
// warmed answer is stored under exactly the key a route reads (organisation + route + normalised filters + page
// options). No HTTP here: an answer is a plain value and where it came from (the route sets X-Cache from it).
import { alignment } from './alignment.js';
import { countries } from './countries.js';
import { senders, sortSenders, type SenderSort } from './senders.js';
import { sourceDetail } from './source-detail.js';
import { overrides, reporters, type ReporterSort } from './breakdowns.js';
import type { AnalyticsCache, CacheOutcome } from './cache.js';
import { domains, type DomainSort } from './domains.js';
import { filterKey } from './filter-key.js';
import type { ScopedFilter } from './filters.js';
import { sources, type SourceSort } from './sources.js';
import { summarise, type SummaryFigures } from './summary.js';
import { timeline, type Interval } from './timeline.js';
import { summariseTls } from './tls-summary.js';
import type { TlsFilter } from './tls-filter.js';
import { trends } from './trends.js';
import type { Database, Queryable } from '../store/database.js';

export interface Answer<T> {
  value: T;
  outcome: CacheOutcome;
}

type Order = 'asc' | 'desc';

/** Page options of the list answers (all optional; defaults applied here, so equal requests share a key). */
export interface PageOptions<S extends string> {
  sort?: S;
  order?: Order;
  limit?: number;
  /** Items to skip (the routes carry it in an opaque cursor). */
  offset?: number;
}

/** A page of a list answer; `nextOffset` is null on the last page. */
export interface OffsetPage<T> {
  items: T[];
  total: number;
  nextOffset: number | null;
}

export function withRate<T extends SummaryFigures>(f: T): T & { complianceRate: number | null } {
  return { ...f, complianceRate: f.messages > 0 ? f.dmarcPass / f.messages : null };
}

/** A page of an answer computed whole (a few hundred items at most: domains, reporters). */
function slice<T>(all: T[], offset: number, size: number): OffsetPage<T> {
  const items = all.slice(offset, offset + size);
  const next = offset + items.length;
  return { items, total: all.length, nextOffset: next < all.length ? next : null };
}

export interface AnswerOptions {
  /** Longest one query of an answer may run (PostgreSQL); past it the answer fails with a StatementTimeout. */
  statementTimeoutMs?: number;
}

/** A generous bound when none is configured: a query never hangs the API for ever. */
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

export function analyticsAnswers(db: Database, cache: AnalyticsCache, options: AnswerOptions = {}) {
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  // each answer is computed read-only under the statement timeout, on one connection
  const c = <T>(route: string, f: ScopedFilter, extra: Record<string, unknown>, fn: (q: Queryable) => Promise<T>) =>
    cache.getOrCompute(f.orgId, `${route}:${filterKey(f, extra)}`, () => db.readOnly(timeout, fn));

  return {
    summary: (f: ScopedFilter) => c('summary', f, {}, async (q) => withRate((await summarise(q, f)).totals)),

    byDomain: (f: ScopedFilter) =>
      c('by-domain', f, {}, async (q) => ({ items: (await summarise(q, f)).domains.map((d) => withRate(d)) })),

    timeline: (f: ScopedFilter, interval: Interval) =>
      c('timeline', f, { interval }, async (q) => ({ interval, items: await timeline(q, f, interval) })),

    sources: (f: ScopedFilter, q: PageOptions<SourceSort>) => {
      const sort = q.sort ?? 'messages';
      const order = q.order ?? (sort === 'sourceIp' ? 'asc' : 'desc');
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('sources', f, { sort, order, limit, offset }, async (q) => {
        const r = await sources(q, f, { sort, order, limit, offset });
        const next = offset + r.items.length;
        return { ...r, nextOffset: next < r.total ? next : null };
      });
    },

    senders: (f: ScopedFilter, q: PageOptions<SenderSort>) => {
      const s: SenderSort = q.sort ?? 'messages';
      const o = q.order ?? (s === 'sender' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('senders', f, { s, o, size, offset }, async (q) =>
        slice(sortSenders(await senders(q, f), s, o), offset, size),
      );
    },

    countries: (f: ScopedFilter) => c('countries', f, {}, async (q) => ({ items: await countries(q, f) })),

    /** One source address's detail (null: never seen in the organisation's reports); `ip` an address. */
    source: (orgId: number, ip: string) =>
      c('source', { orgId }, { ip }, async (q) => (await sourceDetail(q, orgId, ip)) ?? null),

    alignment: (f: ScopedFilter) => c('alignment', f, {}, (q) => alignment(q, f)),

    tlsSummary: ({ orgId, ...rest }: TlsFilter) =>
      c('tls-summary', { orgId }, rest, (q) => summariseTls(q, { orgId, ...rest })),

    trends: (f: ScopedFilter) => c('trends', f, {}, (q) => trends(q, f)),

    reporters: (f: ScopedFilter, q: PageOptions<ReporterSort>) => {
      const s: ReporterSort = q.sort ?? 'messages';
      const o = q.order ?? (s === 'orgName' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('reporters', f, { s, o, size, offset }, async (q) =>
        slice(await reporters(q, f, { sort: s, order: o }), offset, size),
      );
    },

    overrides: (f: ScopedFilter) => c('overrides', f, {}, (q) => overrides(q, f)),

    domains: (f: ScopedFilter, q: PageOptions<DomainSort>) => {
      const s: DomainSort = q.sort ?? 'domain';
      const o = q.order ?? (s === 'domain' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('domains', f, { s, o, size, offset }, async (q) =>
        slice(await domains(q, f, { sort: s, order: o }), offset, size),
      );
    },
  };
}

export type AnalyticsAnswers = ReturnType<typeof analyticsAnswers>;
