// Analytics from the rollups, cached: summary, timeline, sources, alignment, trends, and the cache's counters.
// A tenant plugin: served under /api and /api/orgs/:org, every answer the organisation's.
import net from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import { answer, offsetOf, pageAnswer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { scopedFilter } from '../filters.js';
import { withAnomalies } from '../source-anomalies.js';
import { orgOf } from '../plugins/auth.js';
import { EnrichmentBody } from '../schemas/enrichment.js';
import { HttpProblem, validationProblem } from '../problem.js';
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
  country: Nullable(Type.String({ description: 'ISO 3166-1 alpha-2; null: not located (or not enriched yet)' })),
  asn: Nullable(Type.Integer()),
  asOrg: Nullable(Type.String()),
  ptr: Nullable(Type.String({ description: 'Reverse DNS name' })),
  sender: Type.String({ description: 'Its sender (see /api/rollup/senders), for its first policy domain' }),
  senderKey: Type.String(),
  anomaly: Nullable(
    Type.Object(
      { score: Type.Number(), day: DateString },
      {
        description:
          "The active anomaly model's highest-scoring anomalous day of the address in the period (of the domain " +
          'asked), null when it found none (see /api/analytics/anomalies)',
      },
    ),
  ),
});

const Confidence = Nullable(
  Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')], {
    description: 'How sure the identification is; null for groups of unknown sources',
  }),
);

const Verdict = Type.Union([Type.Literal('approved'), Type.Literal('not_ours'), Type.Literal('own')]);

export const SenderItem = Type.Object({
  key: Type.String({
    description: 'Stable: a catalogue id (sendgrid), a group (ptr:example.net, asn:64500, unknown), own:<name>',
  }),
  sender: Type.String({ description: 'The service, the group (PTR base domain, else AS organisation) or own name' }),
  type: Type.String({ description: 'mailbox, esp, marketing, saas, gateway, hosting, unknown or own' }),
  confidence: Confidence,
  approved: Nullable(
    Type.Boolean({ description: 'true: approved or our own; false: not ours; null: no word (or mixed)' }),
  ),
  verdict: Nullable(Type.Union([...Verdict.anyOf, Type.Literal('mixed')])),
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  dkimAlignedPass: Type.Integer(),
  spfAlignedPass: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  sources: Type.Integer({ description: 'Distinct source addresses' }),
  countries: Type.Integer({ description: 'Distinct countries of its located sources' }),
});

export const CountryItem = Type.Object({
  country: Nullable(Type.String({ description: 'ISO 3166-1 alpha-2; null: sources not located' })),
  name: Nullable(Type.String()),
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  sources: Type.Integer(),
});

export const CountriesBody = Type.Object({ items: Type.Array(CountryItem) });

const SendersQuery = Type.Object(
  {
    ...filterProperties,
    ...paginationProperties,
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('messages'),
          Type.Literal('dmarcFail'),
          Type.Literal('complianceRate'),
          Type.Literal('sources'),
          Type.Literal('sender'),
        ],
        { default: 'messages' },
      ),
    ),
    order: orderProperty,
  },
  { additionalProperties: false },
);

export const IpParams = Type.Object({
  ip: Type.String({ minLength: 2, maxLength: 64, description: 'An IPv4 or IPv6 address' }),
});

const Evidence = Type.Array(Type.Unknown());

export const SourceDetailBody = Type.Object({
  ip: Type.String(),
  enrichment: Nullable(EnrichmentBody),
  identification: Nullable(
    Type.Object({
      key: Type.String(),
      sender: Type.String(),
      type: Type.String(),
      confidence: Confidence,
      known: Type.Boolean(),
      reason: Type.String(),
      evidence: Evidence,
      alternatives: Evidence,
      identifiedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  senders: Type.Array(
    Type.Object({
      domain: Type.String(),
      key: Type.String(),
      sender: Type.String(),
      type: Type.String(),
      confidence: Confidence,
      verdict: Nullable(Verdict),
    }),
  ),
  totals: Type.Object({
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
  }),
  days: Type.Array(
    Type.Object({
      date: Nullable(DateString),
      messages: Type.Integer(),
      dmarcPass: Type.Integer(),
      dmarcFail: Type.Integer(),
    }),
  ),
});

/** The address of a path, canonical enough for ::inet; a network or anything else is a 400. */
export function addressParam(text: string): string {
  const ip = text.trim();
  // a zone id (fe80::1%eth0) names an interface, not an address PostgreSQL can store
  if (net.isIP(ip) === 0 || ip.includes('%')) {
    throw validationProblem([{ field: 'ip', message: `'${text}' is not an IPv4 or IPv6 address` }]);
  }
  return ip.toLowerCase();
}

/** The detail of one of the organisation's sources, or a 404. */
export async function sourceAnswer(
  h: AnalyticsAnswers,
  reply: FastifyReply,
  orgId: number,
  text: string,
): Promise<Static<typeof SourceDetailBody>> {
  const ip = addressParam(text);
  const detail = answer(reply, await h.source(orgId, ip));
  if (detail === null) {
    throw new HttpProblem(404, 'source_not_found', `${ip} never sent mail in this organisation's reports`);
  }
  return detail;
}

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
      return withAnomalies(
        deps.db,
        f,
        pageAnswer(reply, await h.sources(f, { sort, order, limit, offset: offsetOf(cursor) })),
      );
    },
  );

  app.get(
    '/rollup/senders',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Per sender: services, groups of unknown sources and own servers, with pass rates',
        description:
          'Each source is given its identified sender (identify-senders), else a group from its enrichment (PTR ' +
          "base domain, else AS organisation, else Unknown), then the organisation's sender rules for the domain " +
          "(PUT /api/domains/{domain}/senders). The items sum to the summary's messages.",
        querystring: SendersQuery,
        response: { 200: Page(SenderItem), ...problemResponses },
      },
    },
    async (req, reply) => {
      const { sort, order, limit, cursor, ...filters } = req.query;
      const f = scopedFilter(orgOf(req), filters);
      return pageAnswer(reply, await h.senders(f, { sort, order, limit, offset: offsetOf(cursor) }));
    },
  );

  app.get(
    '/rollup/countries',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Per country of the sources (offline geolocation), most messages first',
        description: "Sources not located are one item with country null: the items sum to the summary's messages.",
        querystring: FilterQuery,
        response: { 200: CountriesBody, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.countries(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/sources/:ip',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'One source address: enrichment, sender and evidence, totals and days',
        description: "404 for an address that never sent mail in the organisation's reports.",
        params: IpParams,
        response: { 200: SourceDetailBody, ...problemResponses },
      },
    },
    async (req, reply) => sourceAnswer(h, reply, orgOf(req).id, req.params.ip),
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
