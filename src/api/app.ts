// The Fastify app: problem-details errors, declared roles, OpenAPI docs and the routes. Built from its
// dependencies, so that tests and the serve/api commands assemble it the same way.
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createAuthService } from '../auth/create.js';
import type { AppDeps } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerSecurity } from './plugins/security.js';
import { registerWeb } from './plugins/web.js';
import { registerProblemHandlers } from './problem.js';
import { requireDeclaredRoles } from './roles.js';
import { analyticsRoutes } from './routes/analytics.js';
import { auditRoutes } from './routes/audit.js';
import { breakdownRoutes } from './routes/breakdowns.js';
import { authRoutes } from './routes/auth.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { reportRoutes } from './routes/reports.js';
import { statsRoutes } from './routes/stats.js';
import { registerQueueBoard, taskRoutes } from './routes/tasks.js';
import { userRoutes } from './routes/users.js';

export const API_VERSION = '1.0.0';

export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // JSON bodies are small; uploads have their own limit (route bodyLimit + multipart limits).
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    requestIdHeader: false,
    trustProxy: deps.config.security.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const auth = deps.auth ?? (await createAuthService(deps.config, deps.db, deps.redis));

  registerProblemHandlers(app);
  requireDeclaredRoles(app);
  await registerSecurity(app, deps.config, auth, deps.redis);
  await app.register(cookie);
  registerAuth(app, auth);
  await app.register(multipart, {
    limits: { fileSize: deps.config.server.maxFileBytes, files: deps.config.server.maxUploadFiles },
  });
  await registerOpenApi(app, API_VERSION);

  healthRoutes(app, deps);
  authRoutes(app, auth);
  userRoutes(app, auth);
  keyRoutes(app, auth);
  auditRoutes(app, deps.db);
  analyticsRoutes(app, deps);
  reportRoutes(app, deps);
  fileRoutes(app, deps);
  statsRoutes(app, deps);
  taskRoutes(app, deps);
  await registerQueueBoard(app, deps);
  breakdownRoutes(app, deps);
  // The dashboard: index.html for / and client-side routes, and its assets (last: its /* route is a fallback).
  await registerWeb(app);
  return app;
}
