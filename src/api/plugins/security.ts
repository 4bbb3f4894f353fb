// Security headers (helmet: CSP, frame-ancestors none, nosniff, referrer policy; HSTS only behind TLS), CORS
// from an allow-list (closed by default), and rate limits per user / API key / IP (Redis when configured).
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { apiKeyPrefix } from '../../auth/api-keys.js';
import type { AuthService } from '../../auth/service.js';
import type { Config } from '../../config/index.js';
import { HttpProblem } from '../problem.js';

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export function apiKeyHeader(req: FastifyRequest): string | undefined {
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k.length > 0 ? k : undefined;
}

export async function registerSecurity(
  app: FastifyInstance,
  config: Config,
  auth: AuthService,
  redis: Redis | undefined,
): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI and ReDoc set inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Sent by hand below, and only over HTTPS: over plain HTTP it would be ignored or, worse, cached wrongly.
    hsts: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });

  const allowed = new Set(config.security.corsOrigins);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key'],
    exposedHeaders: ['X-Cache', 'Retry-After'],
    maxAge: 600,
  });

  await app.register(rateLimit, {
    max: config.security.rateLimitPerMinute,
    timeWindow: 60_000,
    ...(redis ? { redis, nameSpace: `${config.redisPrefix}:ratelimit:` } : {}),
    // While Redis is away the request goes through uncounted: an outage of the shared counters must not answer
    // 500 to everything. (Password guesses stay bounded: the login budgets fail closed without Redis.)
    skipOnError: true,
    // Runs before authentication (onRequest), so that requests failing it are counted too. A bucket is per
    // user — for a token with a valid signature and for any of the user's API keys alike, so that more keys buy
    // no more requests — and per IP for everything else (an unknown key included).
    keyGenerator: async (req) => {
      const bearer = bearerToken(req);
      if (bearer) {
        const claims = await auth.access.verify(bearer);
        if (claims) return `user:${claims.userId}`;
      }
      const key = apiKeyHeader(req);
      const prefix = key ? apiKeyPrefix(key) : undefined;
      const owner = prefix ? await auth.apiKeyOwner(prefix) : undefined;
      if (owner !== undefined) return `user:${owner}`;
      return `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) =>
      new HttpProblem(429, 'rate_limited', `too many requests: at most ${ctx.max} per minute; retry in ${ctx.after}`),
  });
}
