// The per-user limit of exports (CSV, NDJSON, PDF: each reads much more than an answer of the dashboard):
// DMARC_EXPORT_RATE_PER_MINUTE per user, counted apart from — and besides — the general limit of every request
// (plugins/security.ts), in the same store (memory, or Redis when configured). A user's tokens and API keys share
// one bucket, and so do all the export routes of both mounts (/api and /api/orgs/:org).
//
//   app.get('/export/x.csv', { config: { role: 'viewer' }, preHandler: exportRateLimit(app, perMinute) }, ...)
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../model/errors.js';
import { principalOf } from './plugins/auth.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

// one counter per server, whichever encapsulated context asks (each createRateLimit makes a store of its own)
const limiters = new WeakMap<object, Limiter>();

export class ExportRateLimited extends AppError {
  constructor(max: number, retryAfterSeconds: number) {
    super(
      'export_rate_limited',
      `too many exports: at most ${max} per minute per user; retry in ${retryAfterSeconds} s`,
      { retryAfterSeconds, expose: true },
    );
    this.name = 'ExportRateLimited';
  }
}

/** A preHandler counting the caller's exports; past `perMinute` in a minute, 429 with Retry-After. */
export function exportRateLimit(app: FastifyInstance, perMinute: number): preHandlerAsyncHookHandler {
  let limiter = limiters.get(app.server);
  if (!limiter) {
    limiter = app.createRateLimit({
      max: perMinute,
      timeWindow: 60_000,
      // runs after authentication (preHandler): every export route has a signed-in caller
      keyGenerator: (req: FastifyRequest) => `export:user:${principalOf(req).user.id}`,
    });
    limiters.set(app.server, limiter);
  }
  const limit = limiter;
  return async (req, reply) => {
    const r = await limit(req);
    if (r.isAllowed) return;
    reply.header('x-export-ratelimit-limit', r.max);
    reply.header('x-export-ratelimit-remaining', r.remaining);
    if (r.isExceeded) throw new ExportRateLimited(r.max, Math.max(1, r.ttlInSeconds));
  };
}
