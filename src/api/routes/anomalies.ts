// Anomalies (a tenant plugin, see tenant.ts): the active model's predictions, highest score first, with filters
// and pages (viewers); one address's history of predictions (viewers); detecting now (analysts and up: scores the
// days asked, default the last 7 with data, and keeps the predictions; inline).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { detectAnomalies } from '../../analytics/anomaly/detect.js';
import { windowProblem } from '../../analytics/anomaly/train.js';
import { listAnomalies, predictionsOfIp } from '../../store/ml-predictions.js';
import { offsetOf } from '../answer.js';
import { encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { orgOf } from '../plugins/auth.js';
import { validationProblem } from '../problem.js';
import { DetectAnswer, DetectBody, PredictionT, emptyBodyIsDefaults } from '../schemas/anomalies.js';
import { DateString, Page, Problem, paginationProperties, problemResponses } from '../schemas/common.js';
import { addressParam } from './analytics.js';

const AnomaliesQuery = Type.Object(
  {
    from: Type.Optional(DateString),
    to: Type.Optional(DateString),
    domain: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: 'A policy domain the source sent for' }),
    ),
    all: Type.Optional(Type.Boolean({ description: 'Every prediction, not only the anomalous ones', default: false })),
    ...paginationProperties,
  },
  { additionalProperties: false },
);

const PredictionsQuery = Type.Object(
  {
    ip: Type.String({ minLength: 2, maxLength: 64, description: 'An IPv4 or IPv6 address' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const anomalyRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const base = { tags: ['anomalies'] };

  app.get(
    '/analytics/anomalies',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "The active model's anomalous sources, highest score first",
        description:
          'Each with its score, the features it was scored on and why, in words. all=true: every prediction.',
        querystring: AnomaliesQuery,
        response: { 200: Page(PredictionT), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.from && q.to && q.to < q.from)
        throw validationProblem([{ field: 'to', message: 'must not be before from' }]);
      const limit = q.limit ?? 50;
      const offset = offsetOf(q.cursor);
      const page = await listAnomalies(deps.db, orgOf(req).id, {
        from: q.from,
        to: q.to,
        domain: q.domain?.toLowerCase(),
        anomalousOnly: !(q.all ?? false),
        limit,
        offset,
      });
      const next = offset + page.items.length;
      return { items: page.items, total: page.total, nextCursor: next < page.total ? encodeCursor({ o: next }) : null };
    },
  );

  app.get(
    '/analytics/predictions',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'The predictions of one source address, newest day first (every model version)',
        querystring: PredictionsQuery,
        response: { 200: Type.Object({ ip: Type.String(), items: Type.Array(PredictionT) }), ...problemResponses },
      },
    },
    async (req) => {
      const ip = addressParam(req.query.ip);
      return { ip, items: await predictionsOfIp(deps.db, orgOf(req).id, ip, req.query.limit ?? 100) };
    },
  );

  app.post(
    '/analytics/anomalies/detect',
    {
      // a POST without a body means the defaults (clients and the dashboard send none)
      preValidation: emptyBodyIsDefaults,
      config: { role: 'analyst' },
      schema: {
        ...base,
        summary: 'Score the sources of some days with the active model now, and keep the predictions',
        description:
          "Default: the 7 days ending with the organisation's last day of data. Replaces the active model's " +
          'predictions of those days. 409 when no model is active.',
        body: Type.Optional(DetectBody),
        response: { 200: DetectAnswer, 409: Problem, ...problemResponses },
      },
    },
    async (req) => {
      const body = req.body ?? {};
      const why = windowProblem(body.from, body.to);
      if (why) throw validationProblem([{ field: 'to', message: why }]);
      return detectAnomalies(deps.db, orgOf(req).id, body);
    },
  );
};
