// Every cached analytics answer, in one place: the routes call these, and so does the cache warm-up, so that a
// warmed answer is stored under exactly the key the route reads (route + normalised filters + page options).
import type { FastifyReply } from 'fastify';
import { alignment } from '../analytics/alignment.js';
import { overrides, reporters, type ReporterSort } from '../analytics/breakdowns.js';
import { domains, type DomainSort } from '../analytics/domains.js';
import type { AnalyticsFilter } from '../analytics/filters.js';
import { sources, type SourceSort } from '../analytics/sources.js';
import { summarise, type SummaryFigures } from '../analytics/summary.js';
import { timeline, type Interval } from '../analytics/timeline.js';
import { trends } from '../analytics/trends.js';
import { decodeCursor, encodeCursor, isOffsetCursor } from './cursor.js';
import type { AppDeps } from './deps.js';
import { filterKey } from './filters.js';
import { cached } from './plugins/cache.js';

type Order = 'asc' | 'desc';

/** Page options of the list answers, as the routes take them (all optional; defaults applied here). */
export interface PageQuery<S extends string> {
  sort?: S;
  order?: Order;
  limit?: number;
  cursor?: string;
}

export function withRate<T extends SummaryFigures>(f: T): T & { complianceRate: number | null } {
  return { ...f, complianceRate: f.messages > 0 ? f.dmarcPass / f.messages : null };
}

/** A page of an answer computed whole (a few hundred items at most: domains, reporters). */
function slice<T>(all: T[], offset: number, size: number) {
  const items = all.slice(offset, offset + size);
  const next = offset + items.length;
  return { items, total: all.length, nextCursor: next < all.length ? encodeCursor({ o: next }) : null };
}

export function cachedAnswers(deps: AppDeps) {
  const { db, cache } = deps;
  const c = <T>(
    reply: FastifyReply,
    route: string,
    f: AnalyticsFilter,
    extra: Record<string, unknown>,
    fn: () => Promise<T>,
  ) => cached(cache, reply, `${route}:${filterKey(f, extra)}`, fn);
  const offsetOf = (cursor: string | undefined) => decodeCursor(cursor, isOffsetCursor)?.o ?? 0;

  return {
    summary: (f: AnalyticsFilter, reply: FastifyReply) =>
      c(reply, 'summary', f, {}, async () => withRate((await summarise(db, f)).totals)),

    byDomain: (f: AnalyticsFilter, reply: FastifyReply) =>
      c(reply, 'by-domain', f, {}, async () => ({
        items: (await summarise(db, f)).domains.map((d) => withRate(d)),
      })),

    timeline: (f: AnalyticsFilter, interval: Interval, reply: FastifyReply) =>
      c(reply, 'timeline', f, { interval }, async () => ({ interval, items: await timeline(db, f, interval) })),

    sources: (f: AnalyticsFilter, q: PageQuery<SourceSort>, reply: FastifyReply) => {
      const sort = q.sort ?? 'messages';
      const order = q.order ?? (sort === 'sourceIp' ? 'asc' : 'desc');
      const limit = q.limit ?? 50;
      const offset = offsetOf(q.cursor);
      return c(reply, 'sources', f, { sort, order, limit, offset }, async () => {
        const r = await sources(db, f, { sort, order, limit, offset });
        const nextOffset = offset + r.items.length;
        return { ...r, nextCursor: nextOffset < r.total ? encodeCursor({ o: nextOffset }) : null };
      });
    },

    alignment: (f: AnalyticsFilter, reply: FastifyReply) => c(reply, 'alignment', f, {}, () => alignment(db, f)),

    trends: (f: AnalyticsFilter, reply: FastifyReply) => c(reply, 'trends', f, {}, () => trends(db, f)),

    reporters: (f: AnalyticsFilter, q: PageQuery<ReporterSort>, reply: FastifyReply) => {
      const s: ReporterSort = q.sort ?? 'messages';
      const o = q.order ?? (s === 'orgName' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = offsetOf(q.cursor);
      return c(reply, 'reporters', f, { s, o, size, offset }, async () =>
        slice(await reporters(db, f, { sort: s, order: o }), offset, size),
      );
    },

    overrides: (f: AnalyticsFilter, reply: FastifyReply) => c(reply, 'overrides', f, {}, () => overrides(db, f)),

    domains: (f: AnalyticsFilter, q: PageQuery<DomainSort>, reply: FastifyReply) => {
      const s: DomainSort = q.sort ?? 'domain';
      const o = q.order ?? (s === 'domain' ? 'asc' : 'desc');
      const size = q.limit ?? 50;
      const offset = offsetOf(q.cursor);
      return c(reply, 'domains', f, { s, o, size, offset }, async () =>
        slice(await domains(db, f, { sort: s, order: o }), offset, size),
      );
    },
  };
}

export type CachedAnswers = ReturnType<typeof cachedAnswers>;
