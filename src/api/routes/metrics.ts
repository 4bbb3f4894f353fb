// GET /metrics: the process's Prometheus metrics (text exposition). Not for organisations' users: Prometheus
// sends DMARC_METRICS_TOKEN as a bearer token (the route's service token), or a platform administrator's
// token/key is used.
import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { METRICS_CONTENT_TYPE, scrapeMetrics } from '../../events/metrics.js';
import { alertsByState, unfinishedRunsByState } from '../../store/platform-counts.js';
import type { AppDeps } from '../deps.js';
import { Problem } from '../schemas/common.js';

/** Constant-time comparison (a token compared byte by byte with === leaks its prefix through timing). */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const token = deps.config.security.metricsToken;
  app.get(
    '/metrics',
    {
      config: {
        role: 'platform_admin',
        serviceToken: (bearer: string) => token !== null && sameSecret(bearer, token),
      },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics of this process (metrics token or platform administrator)',
        description:
          'Text exposition format 0.0.4. Authorization: Bearer DMARC_METRICS_TOKEN, or a platform administrator.',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.String(), 401: Problem, 403: Problem },
      },
    },
    async (_req, reply) => {
      const body = await scrapeMetrics({
        queueDepth: () => unfinishedRunsByState(deps.db),
        alertsByState: () => alertsByState(deps.db),
      });
      return reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(body);
    },
  );
};
