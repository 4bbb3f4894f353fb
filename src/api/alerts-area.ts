// The alerts area of the tenant API, under /alerts: the alerts, the rules and the suppressions (the channels join
// here). Registered by tenantApi under /api and /api/orgs/:org, and once more by the app under the seed's /alerts
// prefix (the default organisation's, like /users), where it is kept out of the OpenAPI document.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../auth/clock.js';
import type { AppDeps } from './deps.js';
import { alertRuleRoutes } from './routes/alert-rules.js';
import { alertSuppressionRoutes } from './routes/alert-suppressions.js';
import { alertRoutes } from './routes/alerts.js';

export interface AlertsAreaOptions {
  deps: AppDeps;
  clock: Clock;
  alias?: boolean;
}

export const alertsArea: FastifyPluginAsyncTypebox<AlertsAreaOptions> = async (app, { deps, clock, alias }) => {
  const o = { deps, clock, alias };
  await app.register(alertRuleRoutes, { prefix: '/rules', ...o });
  await app.register(alertSuppressionRoutes, { prefix: '/suppressions', ...o });
  await app.register(alertRoutes, o);
};
