// Puts the analytics routes of a context behind the process's ConcurrencyLimiter: a request waits for its turn
// (its user's and the process's) before its handler runs, and gives the turn back when answered or aborted.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../model/errors.js';
import type { ConcurrencyLimiter } from '../concurrency.js';

declare module 'fastify' {
  interface FastifyRequest {
    releaseAnalyticsTurn?: () => void;
    /** Aborted when the client goes away: a request still waiting for its turn then leaves the line. */
    analyticsAbort?: AbortController;
  }
}

export function limitAnalytics(app: FastifyInstance, limiter: ConcurrencyLimiter): void {
  app.addHook('onRequest', async (req) => {
    req.analyticsAbort = new AbortController();
  });
  app.addHook('preHandler', async (req) => {
    // the principal is set by the auth hook; one bucket per user, whatever token or key they use
    const key = req.principal ? `user:${req.principal.user.id}` : `ip:${req.ip}`;
    req.releaseAnalyticsTurn = await limiter.acquire(key, req.analyticsAbort?.signal);
  });
  const release = async (req: { releaseAnalyticsTurn?: () => void }) => {
    req.releaseAnalyticsTurn?.();
    req.releaseAnalyticsTurn = undefined;
  };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', async (req) => {
    req.analyticsAbort?.abort(clientGone());
    await release(req);
  });
}

/** The client closed the connection while its request waited: nobody is left to answer. */
const clientGone = (): AppError =>
  new AppError('cancelled', 'the client went away while its analytics request waited for its turn');
