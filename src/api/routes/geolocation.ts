// The seed's geolocation routes, kept for its clients: the country heatmap (the same answer as
// /api/rollup/countries), one address's lookup (as /api/sources/{ip}), and a refresh of the organisation's
// enrichment (admin). A tenant plugin (see tenant.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import { enqueueTask } from '../../jobs/tasks/define.js';
import { enrichSourcesKey, enrichSourcesTask } from '../../jobs/tasks/enrich-sources.js';
import { answer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { FilterQuery, problemResponses } from '../schemas/common.js';
import { CountriesBody, IpParams, SourceDetailBody, sourceAnswer } from './analytics.js';

export const geolocationRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; answers: AnalyticsAnswers }> = async (
  app,
  { deps, answers: h },
) => {
  const base = { tags: ['geolocation'] };

  app.get(
    '/analytics/geolocation/map',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Country heatmap data: messages and DMARC pass per country of the sources',
        description: 'The same answer as GET /api/rollup/countries (country null: sources not located).',
        querystring: FilterQuery,
        response: { 200: CountriesBody, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.countries(scopedFilter(orgOf(req), req.query))),
  );

  app.get(
    '/analytics/geolocation/lookup/:ip',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "One of the organisation's source addresses: where it is, who it is, what it sent",
        description: 'The same answer as GET /api/sources/{ip}.',
        params: IpParams,
        response: { 200: SourceDetailBody, ...problemResponses },
      },
    },
    async (req, reply) => sourceAnswer(h, reply, orgOf(req).id, req.params.ip),
  );

  app.post(
    '/analytics/geolocation/refresh',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Look up every source address of the organisation again (country, AS, reverse DNS)',
        description:
          'Queues an enrich-sources run of scope all that refreshes every address looked up before now; the ' +
          'senders are identified again when it is done. Poll GET /api/tasks/{id} for the outcome.',
        response: { 202: Type.Object({ queued: Type.Array(Type.String({ description: 'Task ids' })) }) },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const id = await enqueueTask(
        deps.queue,
        enrichSourcesTask,
        { orgId: org.id, scope: 'all', refreshBefore: new Date().toISOString() },
        { dedupeKey: enrichSourcesKey(org.id, 'all') },
      );
      return reply.code(202).send({ queued: [id] });
    },
  );
};
