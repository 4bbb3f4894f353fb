// Liveness and readiness, for load balancers and orchestrators (public).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { migrationStatus } from '../../store/migrate.js';
import type { AppDeps } from '../deps.js';
import { problemBody, sendProblem } from '../problem.js';
import { Problem } from '../schemas/common.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      config: { role: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { role: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers and its schema is current',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.String(),
            schemaVersion: Type.Integer(),
          }),
          503: Problem,
        },
      },
    },
    async (_req, reply) => {
      try {
        await deps.db.query('SELECT 1');
        const s = await migrationStatus(deps.db);
        if (s.current !== s.latest) {
          return sendProblem(
            reply,
            problemBody(503, 'migrations_pending', `database schema is at version ${s.current}, latest is ${s.latest}`),
          );
        }
        return { status: 'ready' as const, database: deps.db.kind, schemaVersion: s.current };
      } catch {
        return sendProblem(reply, problemBody(503, 'database_unavailable', 'the database does not answer'));
      }
    },
  );
};
