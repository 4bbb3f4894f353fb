// The overview's breakdowns: per reporter (GET /api/rollup/reporters) and per policy-override reason
// (GET /api/rollup/overrides). Cached like the other analytics routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import { OVERRIDE_REASONS } from '../../model/aggregate.js';
import { answer, offsetOf, pageAnswer } from '../answer.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
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
  orgName: Type.String({
    description:
      'Reporting organisation under its one canonical name (from its e-mail domain and a table of known ' +
      'reporters: "google.com", "Google" and "Google, Inc." are Google): what the reporter filter takes',
  }),
  names: Type.Array(Type.String(), { description: 'The names its reports give it, as written' }),
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
        description: `As the reporter wrote it (lower-cased), e.g. ${OVERRIDE_REASONS.join(', ')}`,
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

export const breakdownRoutes: FastifyPluginAsyncTypebox<{ answers: AnalyticsAnswers }> = async (
  app,
  { answers: h },
) => {
  app.get(
    '/rollup/reporters',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['analytics'],
        summary: 'Per reporting organisation: reports, messages, DMARC pass/fail, domains, first/last day',
        querystring: ReportersQuery,
        response: { 200: Page(ReporterItem), ...problemResponses },
      },
    },
    async (req, reply) => {
      const { sort, order, limit, cursor, ...filters } = req.query;
      const f = scopedFilter(orgOf(req), filters);
      return pageAnswer(reply, await h.reporters(f, { sort, order, limit, offset: offsetOf(cursor) }));
    },
  );

  app.get(
    '/rollup/overrides',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['analytics'],
        summary: 'Policy-override reasons the receivers gave, with message counts and example reports',
        description:
          'A receiver that applied another disposition than the published policy says why (forwarded, ' +
          'mailing_list, local_policy, policy_test_mode, ...). Counted per reason; a record with two reasons counts ' +
          'under both.',
        querystring: FilterQuery,
        response: { 200: OverridesBody, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await h.overrides(scopedFilter(orgOf(req), req.query))),
  );
};
