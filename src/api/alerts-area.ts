// The alerts area of the tenant API, under /alerts: the alerts, the rules and the suppressions (the channels join
// here). Registered by tenantApi under /api and /api/orgs/:org, and once more by the app under the seed's /alerts
// prefix (the default organisation's, like /users).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../auth/clock.js';
import type { AppDeps } from './deps.js';
import { alertRuleRoutes } from './routes/alert-rules.js';
import { alertSuppressionRoutes } from './routes/alert-suppressions.js';
import { alertRoutes } from './routes/alerts.js';

export interface AlertsAreaOptions {
  deps: AppDeps;
  clock: Clock;
}

export const alertsArea: FastifyPluginAsyncTypebox<AlertsAreaOptions> = async (app, { deps, clock }) => {
  const o = { deps, clock };
  await app.register(alertRuleRoutes, { prefix: '/rules', ...o });
  await app.register(alertSuppressionRoutes, { prefix: '/suppressions', ...o });
  await app.register(alertRoutes, o);
};
