// The overview's breakdowns: per reporter (GET /api/rollup/reporters) and per policy-override reason
// (GET /api/rollup/overrides). Cached like the other analytics routes.
import { Type, type Static } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { cachedAnswers } from '../cached-answers.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import {
  DateString,
  FilterQuery,
  Nullable,
  Page,
  filterProperties,
  orderProperty,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';

const ReporterItem = Type.Object({
  orgName: Type.String({ description: 'Reporting organisation, as it names itself' }),
  reports: Type.Integer(),
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  domains: Type.Integer({ description: 'Distinct policy domains it reported on' }),
  firstDate: Nullable(DateString),
  lastDate: Nullable(DateString),
});

const ReportersQuery = Type.Object(
  {
    ...filterProperties,
    ...paginationProperties,
    sort: Type.Optional(
      Type.Union(
        [Type.Literal('messages'), Type.Literal('dmarcFail'), Type.Literal('reports'), Type.Literal('orgName')],
        {
          default: 'messages',
        },
      ),
    ),
    order: orderProperty,
  },
  { additionalProperties: false },
);

const OverridesBody = Type.Object({
  messages: Type.Integer({ description: 'Messages with at least one override reason' }),
  items: Type.Array(
    Type.Object({
      type: Type.String({
        description: 'forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other',
      }),
      messages: Type.Integer(),
      records: Type.Integer(),
      reports: Type.Integer(),
      examples: Type.Array(
        Type.Object({
          reportId: Type.Integer({ description: 'Id of the report (GET /api/reports/:id)' }),
          orgName: Type.String(),
          domain: Type.String(),
          date: Nullable(DateString),
          messages: Type.Integer(),
        }),
        { description: 'The reports with the most messages overridden for this reason (at most 5)' },
      ),
    }),
  ),
});

export function breakdownRoutes(app: FastifyInstance, deps: AppDeps): void {
  const h = cachedAnswers(deps);
  app.get(
    '/api/rollup/reporters',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['analytics'],
        summary: 'Per reporting organisation: reports, messages, DMARC pass/fail, domains, first/last day',
        querystring: ReportersQuery,
        response: { 200: Page(ReporterItem), ...problemResponses },
      },
    },
    (req, reply) => {
      const { sort, order, limit, cursor, ...filters } = req.query as Static<typeof ReportersQuery>;
      return h.reporters(toAnalyticsFilter(filters), { sort, order, limit, cursor }, reply);
    },
  );

  app.get(
    '/api/rollup/overrides',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['analytics'],
        summary: 'Policy-override reasons the receivers gave, with message counts and example reports',
        description:
          'A receiver that applied another disposition than the published policy says why (forwarded, ' +
          'mailing_list, local_policy, ...). Counted per reason; a record with two reasons counts under both.',
        querystring: FilterQuery,
        response: { 200: OverridesBody, ...problemResponses },
      },
    },
    (req, reply) => {
      return h.overrides(toAnalyticsFilter(req.query as Static<typeof FilterQuery>), reply);
    },
  );
}
