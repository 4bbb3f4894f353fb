// The seed's original routes, kept as thin aliases over the analytics routes for older clients, and the ingestion
// trigger. A tenant plugin (see tenant.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import { enqueueTask } from '../../jobs/tasks/define.js';
import { queueImapFetches } from '../../jobs/tasks/fetch-imap.js';
import { sweepPendingKey, sweepPendingTask } from '../../jobs/tasks/sweep-pending.js';
import { answer, offsetOf, pageAnswer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { scopedFilter } from '../filters.js';
import { withAnomalies } from '../source-anomalies.js';
import { orgOf } from '../plugins/auth.js';
import {
  Figures,
  FilterQuery,
  Page,
  filterProperties,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';
import { SourceItem, TimelinePoint } from './analytics.js';

const ByDateQuery = Type.Object(
  {
    ...filterProperties,
    interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
  },
  { additionalProperties: false },
);
const BySourceQuery = Type.Object({ ...filterProperties, ...paginationProperties }, { additionalProperties: false });

export const statsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; answers: AnalyticsAnswers }> = async (
  app,
  { deps, answers: h },
) => {
  const base = { tags: ['stats'] };

  app.get(
    '/stats/summary',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alias of /api/rollup/summary',
        querystring: FilterQuery,
        response: { 200: Figures, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.summary(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/stats/by-date',
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
    async (req, reply) => {
      const { interval, ...f } = req.query;
      return answer(reply, await h.timeline(scopedFilter(orgOf(req), f), interval ?? 'day'));
    },
  );

  app.get(
    '/stats/by-domain',
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
    async (req, reply) => answer(reply, await h.byDomain(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/stats/by-source-ip',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alias of /api/rollup/sources (sorted by messages)',
        querystring: BySourceQuery,
        response: { 200: Page(SourceItem), ...problemResponses },
      },
    },
    async (req, reply) => {
      const { limit, cursor, ...q } = req.query;
      const f = scopedFilter(orgOf(req), q);
      return withAnomalies(deps.db, f, pageAnswer(reply, await h.sources(f, { limit, offset: offsetOf(cursor) })));
    },
  );

  app.post(
    '/ingest/trigger',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        tags: ['ingest'],
        summary: 'Start ingestion now: files left pending are queued again, and the IMAP mailboxes are fetched',
        description:
          "Queues sweep-pending of the organisation's files and, when the organisation has IMAP mailboxes, one " +
          'fetch-imap run per mailbox (see also POST /api/tasks/ingest). Poll GET /api/tasks/{id} for the outcome.',
        response: { 202: Type.Object({ queued: Type.Array(Type.String({ description: 'Task ids' })) }) },
      },
    },
    async (req, reply) => {
      // the organisation's own files and mailboxes only: the runs are the organisation's (its members follow them)
      const org = orgOf(req);
      const queued = [
        await enqueueTask(deps.queue, sweepPendingTask, { orgId: org.id }, { dedupeKey: sweepPendingKey(org.id) }),
      ];
      const mailboxes = [...deps.config.imap, ...deps.config.mailboxes].filter((m) => m.org === org.slug);
      if (mailboxes.length > 0) queued.push(...(await queueImapFetches(deps.queue, mailboxes, () => org.id)));
      return reply.code(202).send({ queued });
    },
  );
};
