// 7-day forecasts: GET /api/analytics/forecast?domain=&metric=messages|failure_rate&days=7 (viewer and up), the
// domain's daily messages or DMARC failure share ahead with 80 % and 95 % intervals (analytics/forecast/,
// docs/forecasts.md), narrowed by the analytics filters other than dates (the history is always the data's last
// 26 weeks), so that it forecasts what the charts beside it show. A tenant plugin (see tenant.ts), served with the analytics routes (their concurrency limit);
// cached per organisation like them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { forecastAnswer } from '../../analytics/forecast/domain-forecast.js';
import { answer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { policyDomainOf } from '../policy-domain.js';
import { DateString, Nullable, filterProperties, problemResponses } from '../schemas/common.js';

// the charts' filters without the dates: from, to and period would cut the history the model needs
const { from: _from, to: _to, period: _period, domain: _domain, ...seriesFilters } = filterProperties;

const ForecastQuery = Type.Object(
  {
    domain: Type.String({ minLength: 1, maxLength: 254, description: 'A policy domain of the organisation' }),
    ...seriesFilters,
    metric: Type.Optional(
      Type.Union([Type.Literal('messages'), Type.Literal('failure_rate')], {
        default: 'messages',
        description: 'Daily messages, or the daily DMARC failure share (0..1)',
      }),
    ),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 28, default: 7, description: 'Days ahead' })),
  },
  { additionalProperties: false },
);

const ForecastPoint = Type.Object({
  day: DateString,
  value: Type.Number(),
  lower80: Type.Number(),
  upper80: Type.Number(),
  lower95: Type.Number(),
  upper95: Type.Number(),
});

const ForecastBody = Type.Object({
  domain: Type.String(),
  metric: Type.Union([Type.Literal('messages'), Type.Literal('failure_rate')]),
  method: Type.Union([Type.Literal('holt_winters'), Type.Literal('seasonal_naive'), Type.Literal('none')], {
    description:
      'holt_winters from 14 days of history; seasonal_naive with 8 to 13 days (the fallback); none below 8 days ' +
      'or without data (points empty)',
  }),
  note: Type.String({ description: 'Why this method, in words' }),
  history: Nullable(
    Type.Object(
      { from: DateString, to: DateString, days: Type.Integer() },
      { description: "The days fitted on: at most 182, ending with the domain's last day of data" },
    ),
  ),
  points: Type.Array(ForecastPoint, { description: 'The days after history.to' }),
  backtestMae: Nullable(
    Type.Number({
      description:
        "MAE of the method's 1..7-day forecasts made without the last 7 days of history, on those 7 days " +
        '(null: too little history)',
    }),
  ),
  naiveMae: Nullable(Type.Number({ description: 'MAE of seasonal naive on the same 7 held-out days' })),
  params: Nullable(
    Type.Object(
      { alpha: Type.Number(), beta: Type.Number(), gamma: Type.Number() },
      { description: 'Holt–Winters smoothing weights (error-correction form)' },
    ),
  ),
});

export const forecastRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const compute = forecastAnswer(deps.db, deps.cache, deps.config.analytics.statementTimeoutMs);

  app.get(
    '/analytics/forecast',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['analytics'],
        summary: "A domain's daily messages or DMARC failure share, forecast with 80 % and 95 % intervals",
        description:
          'Additive Holt–Winters with a weekly season, its weights fitted by minimising the one-step-ahead ' +
          'squared error; seasonal naive when the history is shorter than two weeks (method and note say so). ' +
          "The series is the domain's messages narrowed by the other analytics filters (reporter, source, " +
          'country, AS, sender, disposition, DMARC result), over the last 26 weeks of that data. ' +
          '404 for a domain without reports in the organisation; a domain whose reports have no readable day ' +
          "answers method 'none' with no points. Method and intervals: docs/forecasts.md.",
        querystring: ForecastQuery,
        response: { 200: ForecastBody, ...problemResponses },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const { domain: asked, metric = 'messages', days = 7, ...filters } = req.query;
      const filter = toAnalyticsFilter(filters);
      const domain = await policyDomainOf(deps.db, org.id, asked);
      return answer(reply, await compute({ ...filter, orgId: org.id, domain, metric, days }));
    },
  );
};
