// Authentication and authorisation of every route, from the role it declares (config.role). Credentials are
// checked after the rate limiter (which therefore counts failed attempts too) and before the body is
// validated (preValidation): an anonymous caller gets 401, never a validation answer that describes the API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService, Principal } from '../../auth/service.js';
import { roleSatisfies } from '../../auth/roles.js';
import { HttpProblem } from '../problem.js';
import type { Role } from '../roles.js';
import { ADMIN_COOKIE, ADMIN_COOKIE_PATH } from '../cookies.js';
import { apiKeyHeader, bearerToken } from './security.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The caller of an authenticated route (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpProblem(401, 'unauthenticated', 'a credential is required');
  return req.principal;
}

export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', undefined);
  app.addHook('preValidation', async (req, reply) => {
    const role = (req.routeOptions.config as { role?: Role } | undefined)?.role;
    // Unknown URLs (404 handler) have no route config: answer 404, not 401, as for everyone.
    if (role === undefined || role === 'public') return;
    // Pages under /admin are opened by the browser itself: there the admin-session cookie stands for the header.
    const adminCookie =
      req.url.startsWith(`${ADMIN_COOKIE_PATH}/`) || req.url === ADMIN_COOKIE_PATH
        ? (req.cookies as Record<string, string | undefined> | undefined)?.[ADMIN_COOKIE]
        : undefined;
    const bearer = bearerToken(req) ?? adminCookie;
    const apiKey = apiKeyHeader(req);
    if (bearer === undefined && apiKey === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpProblem(
        401,
        'unauthenticated',
        'a credential is required: Authorization: Bearer <token> or X-API-Key',
      );
    }
    const principal = await auth.authenticate({ bearer, apiKey: bearer === undefined ? apiKey : undefined });
    if (!principal) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpProblem(
        401,
        'invalid_credential',
        'the token or API key is not valid (expired, revoked or unknown)',
      );
    }
    if (!roleSatisfies(principal.user.role, role)) {
      throw new HttpProblem(403, 'forbidden', `this needs the ${role} role; you are ${principal.user.role}`);
    }
    req.principal = principal;
  });
}
