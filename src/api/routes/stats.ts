// The seed's original routes, kept as thin aliases over the analytics routes for older clients.
import { Type, type Static } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { queueScheduled } from '../../jobs/scheduler.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import {
  Figures,
  FilterQuery,
  Page,
  filterProperties,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';
import { cachedAnswers } from '../cached-answers.js';
import { SourceItem, TimelinePoint } from './analytics.js';

const ByDateQuery = Type.Object(
  {
    ...filterProperties,
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
  },
  { additionalProperties: false },
);
const BySourceQuery = Type.Object({ ...filterProperties, ...paginationProperties }, { additionalProperties: false });

export function statsRoutes(app: FastifyInstance, deps: AppDeps): void {
  const h = cachedAnswers(deps);
  const base = { tags: ['stats'] };

  app.get(
    '/api/stats/summary',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alias of /api/rollup/summary',
        querystring: FilterQuery,
        response: { 200: Figures, ...problemResponses },
      },
    },
    (req, reply) => h.summary(toAnalyticsFilter(req.query as Static<typeof FilterQuery>), reply),
  );

  app.get(
    '/api/stats/by-date',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alias of /api/rollup/timeline',
        querystring: ByDateQuery,
        response: {
          200: Type.Object({ interval: Type.String(), items: Type.Array(TimelinePoint) }),
          ...problemResponses,
        },
      },
    },
    (req, reply) => {
      const { interval, ...f } = req.query as Static<typeof ByDateQuery>;
      return h.timeline(toAnalyticsFilter(f), interval ?? 'day', reply);
    },
  );

  app.get(
    '/api/stats/by-domain',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Headline figures per policy domain (as dmarc summary)',
        querystring: FilterQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ domain: Type.String(), ...Figures.properties })) }),
          ...problemResponses,
        },
      },
    },
    (req, reply) => h.byDomain(toAnalyticsFilter(req.query as Static<typeof FilterQuery>), reply),
  );

  app.get(
    '/api/stats/by-source-ip',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alias of /api/rollup/sources (sorted by messages)',
        querystring: BySourceQuery,
        response: { 200: Page(SourceItem), ...problemResponses },
      },
    },
    (req, reply) => {
      const { limit, cursor, ...f } = req.query as Static<typeof BySourceQuery>;
      return h.sources(toAnalyticsFilter(f), { limit, cursor }, reply);
    },
  );

  app.post(
    '/api/ingest/trigger',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        tags: ['ingest'],
        summary: 'Start ingestion now: files left pending are queued again, and the IMAP mailboxes are fetched',
        description:
          'Queues sweep-pending and, when IMAP mailboxes are configured, one fetch-imap run per mailbox ' +
          '(see also POST /api/tasks/ingest). Poll GET /api/tasks/{id} for the outcome.',
        response: { 202: Type.Object({ queued: Type.Array(Type.String({ description: 'Task ids' })) }) },
      },
    },
    async (_req, reply) => {
      const queued = [await deps.queue.enqueue('sweep-pending', {}, { dedupeKey: 'sweep-pending' })];
      if (deps.config.imap.length > 0)
        queued.push(...(await queueScheduled(deps.queue, 'fetch-imap', deps.config.imap, null)));
      return reply.code(202).send({ queued });
    },
  );
}
