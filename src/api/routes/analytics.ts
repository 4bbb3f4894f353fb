// Analytics from the rollups, cached: summary, timeline, sources, alignment, trends, and the cache's counters.
// A tenant plugin: served under /api and /api/orgs/:org, every answer the organisation's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import { answer, offsetOf, pageAnswer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import {
  DateString,
  Figures,
  FilterQuery,
  Nullable,
  Page,
  filterProperties,
  orderProperty,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';

export const TimelinePoint = Type.Object({
  date: DateString,
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  disposition: Type.Object({
    none: Type.Integer(),
    quarantine: Type.Integer(),
    reject: Type.Integer(),
    pass: Type.Integer(),
  }),
  complianceRate: Nullable(Type.Number()),
});

export const SourceItem = Type.Object({
  sourceIp: Nullable(Type.String({ description: 'null: records without a readable source IP' })),
  messages: Type.Integer(),
  records: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  dkimAlignedPass: Type.Integer(),
  spfAlignedPass: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  domains: Type.Array(Type.String()),
  reporters: Type.Array(Type.String()),
  firstSeen: Nullable(DateString),
  lastSeen: Nullable(DateString),
});

const TimelineQuery = Type.Object(
  {
    ...filterProperties,
    interval: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day' }),
    ),
  },
  { additionalProperties: false },
);

const SourcesQuery = Type.Object(
  {
    ...filterProperties,
    ...paginationProperties,
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('messages'),
          Type.Literal('dmarcFail'),
          Type.Literal('dmarcPass'),
          Type.Literal('complianceRate'),
          Type.Literal('lastSeen'),
          Type.Literal('sourceIp'),
        ],
        { default: 'messages' },
      ),
    ),
    order: orderProperty,
  },
  { additionalProperties: false },
);

const Mechanism = Type.Object({
  authenticated: Type.Integer({ description: 'A passing auth result, aligned or not' }),
  aligned: Type.Integer({ description: 'Policy-evaluated pass (authenticated and aligned)' }),
  authenticatedNotAligned: Type.Integer(),
  notAuthenticated: Type.Integer(),
});

const AlignmentBody = Type.Object({
  messages: Type.Integer(),
  dkim: Mechanism,
  spf: Mechanism,
  both: Type.Integer({ description: 'DKIM and SPF aligned' }),
  dkimOnly: Type.Integer(),
  spfOnly: Type.Integer(),
  neither: Type.Integer({ description: 'Neither aligned: DMARC fail' }),
});

const TrendFigures = Type.Object({
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  reports: Type.Integer(),
  sources: Type.Integer(),
  domains: Type.Integer(),
});

const TrendsBody = Type.Object({
  period: Nullable(Type.Object({ from: DateString, to: DateString, days: Type.Integer() })),
  previousPeriod: Nullable(Type.Object({ from: DateString, to: DateString })),
  current: TrendFigures,
  previous: TrendFigures,
  delta: TrendFigures,
  change: Type.Object(
    {
      messages: Nullable(Type.Number()),
      dmarcPass: Nullable(Type.Number()),
      dmarcFail: Nullable(Type.Number()),
      reports: Nullable(Type.Number()),
      sources: Nullable(Type.Number()),
      domains: Nullable(Type.Number()),
    },
    { description: 'Relative change (delta / previous); null when the previous value is 0' },
  ),
});

const CacheStatsBody = Type.Object({
  backend: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
  hits: Type.Integer(),
  misses: Type.Integer({ description: 'Answers computed (the cache had none)' }),
  coalesced: Type.Integer({
    description: 'Answers shared with an identical request that was computing at the same time',
  }),
  hitRate: Nullable(Type.Number()),
  invalidations: Type.Integer(),
  ttlSeconds: Type.Integer(),
});

export const analyticsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; answers: AnalyticsAnswers }> = async (
  app,
  { deps, answers: h },
) => {
  const base = { tags: ['analytics'] };

  app.get(
    '/rollup/summary',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Headline figures for the filters',
        description: 'Same definitions as `dmarc summary`; complianceRate = dmarcPass / messages.',
        querystring: FilterQuery,
        response: { 200: Figures, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.summary(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/rollup/timeline',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Messages, DMARC pass/fail and dispositions per day, week or month',
        description:
          'Every bucket between from and to (or the first and last with data) is present, zeros included; ' +
          'over 20,000 buckets (decades by day), only the buckets with data.',
        querystring: TimelineQuery,
        response: {
          200: Type.Object({ interval: Type.String(), items: Type.Array(TimelinePoint) }),
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const { interval, ...filters } = req.query;
      return answer(reply, await h.timeline(scopedFilter(orgOf(req), filters), interval ?? 'day'));
    },
  );

  app.get(
    '/rollup/sources',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Per source IP: volume, pass/fail, aligned DKIM/SPF, reporters, first/last seen',
        querystring: SourcesQuery,
        response: { 200: Page(SourceItem), ...problemResponses },
      },
    },
    async (req, reply) => {
      const { sort, order, limit, cursor, ...filters } = req.query;
      const f = scopedFilter(orgOf(req), filters);
      return pageAnswer(reply, await h.sources(f, { sort, order, limit, offset: offsetOf(cursor) }));
    },
  );

  app.get(
    '/rollup/alignment',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'DKIM and SPF: authenticated vs aligned, and how they combine',
        querystring: FilterQuery,
        response: { 200: AlignmentBody, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.alignment(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/rollup/trends',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'This period against the previous period of equal length',
        description:
          'The period is from..to; without them, the 30 days ending with the last day that has data; with ' +
          'period=all, the whole span of the data, its figures including the reports without a readable period ' +
          '(period=none: the figures of the reports without one, with period and previousPeriod null and nothing ' +
          'to compare). ' +
          'The previous period is the same number of days just before it.',
        querystring: FilterQuery,
        response: { 200: TrendsBody, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.trends(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/cache/stats',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "The organisation's analytics cache counters (hits, misses, coalesced requests, invalidations)",
        response: { 200: CacheStatsBody },
      },
    },
    async (req) => {
      const s = await deps.cache.stats(orgOf(req).id);
      const lookups = s.hits + s.misses + s.coalesced;
      return { ...s, hitRate: lookups > 0 ? s.hits / lookups : null };
    },
  );
};
