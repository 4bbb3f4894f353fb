// Every cached analytics answer, in one place: the HTTP routes and the cache warm-up both call these, so that a
// warmed answer is stored under exactly the key a route reads (organisation + route + normalised filters + page
// options). No HTTP here: an answer is a plain value and where it came from (the route sets X-Cache from it).
import { alignment } from './alignment.js';
import { overrides, reporters, type ReporterSort } from './breakdowns.js';
import type { AnalyticsCache, CacheOutcome } from './cache.js';
import { domains, type DomainSort } from './domains.js';
import { filterKey } from './filter-key.js';
import type { ScopedFilter } from './filters.js';
import { sources, type SourceSort } from './sources.js';
import { summarise, type SummaryFigures } from './summary.js';
import { timeline, type Interval } from './timeline.js';
import { trends } from './trends.js';
import type { Queryable } from '../store/database.js';

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

export function analyticsAnswers(db: Queryable, cache: AnalyticsCache) {
  const c = <T>(route: string, f: ScopedFilter, extra: Record<string, unknown>, fn: () => Promise<T>) =>
    cache.getOrCompute(f.orgId, `${route}:${filterKey(f, extra)}`, fn);

  return {
    summary: (f: ScopedFilter) => c('summary', f, {}, async () => withRate((await summarise(db, f)).totals)),

    byDomain: (f: ScopedFilter) =>
      c('by-domain', f, {}, async () => ({ items: (await summarise(db, f)).domains.map((d) => withRate(d)) })),

    timeline: (f: ScopedFilter, interval: Interval) =>
      c('timeline', f, { interval }, async () => ({ interval, items: await timeline(db, f, interval) })),

    sources: (f: ScopedFilter, q: PageOptions<SourceSort>) => {
      const sort = q.sort ?? 'messages';
      const order = q.order ?? (sort === 'sourceIp' ? 'asc' : 'desc');
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('sources', f, { sort, order, limit, offset }, async () => {
        const r = await sources(db, f, { sort, order, limit, offset });
        const next = offset + r.items.length;
        return { ...r, nextOffset: next < r.total ? next : null };
      });
    },

    alignment: (f: ScopedFilter) => c('alignment', f, {}, () => alignment(db, f)),

    trends: (f: ScopedFilter) => c('trends', f, {}, () => trends(db, f)),

    reporters: (f: ScopedFilter, q: PageOptions<ReporterSort>) => {
      const s: ReporterSort = q.sort ?? 'messages';
      const o = q.order ?? (s === 'orgName' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('reporters', f, { s, o, size, offset }, async () =>
        slice(await reporters(db, f, { sort: s, order: o }), offset, size),
      );
    },

    overrides: (f: ScopedFilter) => c('overrides', f, {}, () => overrides(db, f)),

    domains: (f: ScopedFilter, q: PageOptions<DomainSort>) => {
      const s: DomainSort = q.sort ?? 'domain';
      const o = q.order ?? (s === 'domain' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = q.offset ?? 0;
      return c('domains', f, { s, o, size, offset }, async () =>
        slice(await domains(db, f, { sort: s, order: o }), offset, size),
      );
    },
  };
}

export type AnalyticsAnswers = ReturnType<typeof analyticsAnswers>;
