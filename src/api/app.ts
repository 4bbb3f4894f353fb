// The Fastify app: problem-details errors, declared roles, OpenAPI docs and the routes, one typed plugin per area.
// Built from its dependencies, so that tests and the serve/api commands assemble it the same way.
//
//   /health, /ready                 public
//   /auth/*, /api/me, /api/orgs     platform routes (the caller, the organisations)
//   /api/...  and /api/orgs/:org/...  the tenant API (tenant.ts): one organisation's data
//   /users                          the first user routes, kept (the default organisation's members)
//   /alerts/...                     the seed's alert routes: the same as /api/alerts/...
//   /admin/queues                   the queue board (platform administrators)
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { analyticsAnswers } from '../analytics/answers.js';
import { createAuthService } from '../auth/create.js';
import { httpDuration } from '../events/metrics.js';
import { fanOut, type ReportStoredSink } from '../events/report-stored.js';
import { alertsArea } from './alerts-area.js';
import { ConcurrencyLimiter } from './concurrency.js';
import type { AppDeps } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerInputGuard } from './plugins/input-guard.js';
import { registerOpenApi } from './plugins/openapi.js';
import { RequestLogController } from './plugins/request-log.js';
import { registerSecurity } from './plugins/security.js';
import { registerWeb } from './plugins/web.js';
import { registerProblemHandlers } from './problem.js';
import { requireDeclaredRoles } from './roles.js';
import { aboutRoutes } from './routes/about.js';
import { authRoutes } from './routes/auth.js';
import { backupRoutes } from './routes/backup.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { organizationsRoutes } from './routes/organizations.js';
import { registerQueueBoard } from './routes/tasks.js';
import { userRoutes } from './routes/users.js';
import { markTenantRoutes, tenantApi } from './tenant.js';

export const API_VERSION = '1.1.0';

export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // each answer logged once, at a level by its status and time
    logController: new RequestLogController(deps.config.slowRequestMs),
    // JSON bodies are small; uploads have their own limit (route bodyLimit + multipart limits).
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    requestIdHeader: false,
    trustProxy: deps.config.security.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const auth = deps.auth ?? (await createAuthService(deps.config, deps.db, deps.redis));
  const answers = analyticsAnswers(deps.db, deps.cache, {
    statementTimeoutMs: deps.config.analytics.statementTimeoutMs,
  });
  const limiter = new ConcurrencyLimiter({
    global: deps.config.analytics.concurrency,
    perUser: deps.config.analytics.concurrencyPerUser,
    maxWaitingPerUser: 100,
  });
  const sink: ReportStoredSink = deps.sink ?? fanOut([{ reportStored: (e) => deps.cache.invalidate(e.orgId) }]);

  registerProblemHandlers(app);
  // per route pattern (/api/reports/:id), never the raw URL: a label per URL would grow without bound
  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  requireDeclaredRoles(app);
  await registerSecurity(app, deps.config, auth, deps.redis);
  await app.register(cookie);
  registerAuth(app, auth);
  registerInputGuard(app);
  await app.register(multipart, {
    limits: { fileSize: deps.config.server.maxFileBytes, files: deps.config.server.maxUploadFiles },
  });
  await registerOpenApi(app, API_VERSION);

  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(aboutRoutes, { version: API_VERSION });
  await app.register(authRoutes, { auth });
  await app.register(organizationsRoutes, { prefix: '/api/orgs', auth, db: deps.db });
  await app.register(backupRoutes, { auth, db: deps.db });
  const tenant = { deps, auth, answers, sink, limiter };
  await app.register(tenantApi, { prefix: '/api', ...tenant, named: false });
  await app.register(tenantApi, { prefix: '/api/orgs/:org', ...tenant, named: true });
  await app.register(
    async (legacy) => {
      markTenantRoutes(legacy, false);
      await legacy.register(userRoutes, { auth, alias: true });
    },
    { prefix: '/users' },
  );
  // the seed's /alerts prefix: the same alert routes as /api/alerts (the default organisation's)
  await app.register(
    async (legacy) => {
      markTenantRoutes(legacy, false);
      legacy.addHook('onRoute', (route) => {
        const schema = route.schema;
        if (schema) schema.description = `Same as the /api${route.url} operation.`;
      });
      await legacy.register(alertsArea, { deps, clock: auth.clock });
    },
    { prefix: '/alerts' },
  );
  await registerQueueBoard(app, deps);
  // The dashboard: index.html for / and client-side routes, and its assets (last: its /* route is a fallback).
  await registerWeb(app);
  return app;
}
