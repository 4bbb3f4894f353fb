// GET /metrics: the process's Prometheus metrics (text exposition). Not for organisations' users: Prometheus
// sends DMARC_METRICS_TOKEN as a bearer token, or a platform administrator's token/key is used. Its route config
// is public so that the auth hook lets the metrics token through; the check is here.
import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/service.js';
import { METRICS_CONTENT_TYPE, scrapeMetrics } from '../../events/metrics.js';
import { alertsByState, unfinishedRunsByState } from '../../store/platform-counts.js';
import type { AppDeps } from '../deps.js';
import { apiKeyHeader, bearerToken } from '../plugins/security.js';
import { HttpProblem } from '../problem.js';
import { Problem } from '../schemas/common.js';

/** Constant-time comparison (a token compared byte by byte with === leaks its prefix through timing). */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

async function allowed(req: FastifyRequest, auth: AuthService, token: string | null): Promise<void> {
  const bearer = bearerToken(req);
  const apiKey = apiKeyHeader(req);
  if (bearer === undefined && apiKey === undefined) {
    throw new HttpProblem(401, 'unauthenticated', 'a credential is required: Authorization: Bearer <metrics token>');
  }
  if (token !== null && bearer !== undefined && sameSecret(bearer, token)) return;
  const principal = await auth.authenticate({ bearer, apiKey: bearer === undefined ? apiKey : undefined });
  if (!principal) throw new HttpProblem(401, 'invalid_credential', 'the token or API key is not valid');
  if (!principal.user.platformAdmin) throw new HttpProblem(403, 'forbidden', 'this needs a platform administrator');
}

export const metricsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; auth: AuthService }> = async (
  app,
  { deps, auth },
) => {
  app.get(
    '/metrics',
    {
      config: { role: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics of this process (metrics token or platform administrator)',
        description:
          'Text exposition format 0.0.4. Authorization: Bearer DMARC_METRICS_TOKEN, or a platform administrator.',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.String(), 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => {
      await allowed(req, auth, deps.config.security.metricsToken);
      const body = await scrapeMetrics({
        queueDepth: () => unfinishedRunsByState(deps.db),
        alertsByState: () => alertsByState(deps.db),
      });
      return reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(body);
    },
  );
};
