// Liveness and readiness, for load balancers and orchestrators (public).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import { migrationStatus } from '../../store/migrate.js';
import type { AppDeps } from '../deps.js';
import { problemBody, sendProblem } from '../problem.js';
import { Problem } from '../schemas/common.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      // not rate limited: an orchestrator polls it, and it must answer whatever the shared counters' state
      config: { role: 'public', rateLimit: false },
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
        summary: 'Readiness: the database answers and its schema is current; Redis answers (when configured)',
        description: `Each check has ${CHECK_MS} ms: a database or Redis that does not answer is a 503 naming it, never a hang.`,
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.String(),
            schemaVersion: Type.Integer(),
            redis: Type.Optional(Type.Literal('ok')),
          }),
          503: Problem,
        },
      },
    },
    async (_req, reply) => {
      const [database, redis] = await Promise.all([
        withinCheck(
          (async () => {
            await deps.db.query('SELECT 1');
            return migrationStatus(deps.db);
          })(),
        ),
        deps.redis ? redisAnswers(deps.redis) : Promise.resolve(undefined),
      ]);
      if (database === undefined) {
        return sendProblem(reply, problemBody(503, 'database_unavailable', 'the database does not answer'));
      }
      if (redis === false) {
        return sendProblem(
          reply,
          problemBody(503, 'redis_unavailable', 'Redis does not answer (job queue, shared cache and rate limits)'),
        );
      }
      if (database.current !== database.latest) {
        return sendProblem(
          reply,
          problemBody(
            503,
            'migrations_pending',
            `database schema is at version ${database.current}, latest is ${database.latest}`,
          ),
        );
      }
      return {
        status: 'ready' as const,
        database: deps.db.kind,
        schemaVersion: database.current,
        ...(redis ? { redis: 'ok' as const } : {}),
      };
    },
  );
};

/** How long each readiness check may take. */
const CHECK_MS = 1500;

/** The value of `p` if it settles within CHECK_MS and succeeds, else undefined. */
async function withinCheck<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), CHECK_MS);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether Redis answers a PING in time; at once false while the client is not connected. */
async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  return (await withinCheck(redis.ping())) === 'PONG';
}
