// Puts the analytics routes of a context behind the process's ConcurrencyLimiter: a request waits for its turn
// (its user's and the process's) before its handler runs, and gives the turn back when answered or aborted.
import type { FastifyInstance } from 'fastify';
import type { ConcurrencyLimiter } from '../concurrency.js';

declare module 'fastify' {
  interface FastifyRequest {
    releaseAnalyticsTurn?: () => void;
  }
}

export function limitAnalytics(app: FastifyInstance, limiter: ConcurrencyLimiter): void {
  app.addHook('preHandler', async (req) => {
    // the principal is set by the auth hook; one bucket per user, whatever token or key they use
    const key = req.principal ? `user:${req.principal.user.id}` : `ip:${req.ip}`;
    req.releaseAnalyticsTurn = await limiter.acquire(key);
  });
  const release = async (req: { releaseAnalyticsTurn?: () => void }) => {
    req.releaseAnalyticsTurn?.();
    req.releaseAnalyticsTurn = undefined;
  };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
}
