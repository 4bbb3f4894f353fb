// Authentication and authorisation of every route, from the role it declares (config.role). Credentials are
// checked after the rate limiter (which therefore counts failed attempts too) and before the body is
// validated (preValidation): an anonymous caller gets 401, never a validation answer that describes the API.
//
// A tenant route also resolves the organisation it acts in (path `:org`, else the X-Org header, else the API key's
// or the session's organisation, else the caller's default one) and the caller's role there, read from the
// membership on every request: a role change or a removal takes effect at once. An organisation the caller
// cannot enter is 404, whether it exists or not, so that slugs cannot be probed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roleSatisfies } from '../../auth/roles.js';
import type { AuthService, OrgContext, Principal } from '../../auth/service.js';
import { ADMIN_COOKIE, ADMIN_COOKIE_PATH } from '../cookies.js';
import { HttpProblem } from '../problem.js';
import type { Role } from '../roles.js';
import { apiKeyHeader, bearerToken } from './security.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    org?: OrgContext;
  }
}

/** Slugs as organizations.slug allows them: anything else cannot name an organisation (and never reaches SQL). */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The caller of an authenticated route (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpProblem(401, 'unauthenticated', 'a credential is required');
  return req.principal;
}

/** The organisation of a tenant route (the hook guarantees it). */
export function orgOf(req: FastifyRequest): OrgContext {
  if (!req.org) throw new HttpProblem(404, 'organization_not_found', 'no organisation for this request');
  return req.org;
}

function namedOrg(req: FastifyRequest): string | undefined {
  const fromPath = (req.params as { org?: unknown } | undefined)?.org;
  if (typeof fromPath === 'string') return fromPath;
  const header = req.headers['x-org'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

export function registerAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('org', undefined);
  app.addHook('preValidation', async (req, reply) => {
    const config = req.routeOptions.config as
      { role?: Role; tenant?: boolean; serviceToken?: (bearer: string) => boolean } | undefined;
    const role = config?.role;
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
    // A route a service scrapes (Prometheus' /metrics) may take its own shared token besides a user's.
    if (bearer !== undefined && config?.serviceToken?.(bearer) === true) return;
    const principal = await auth.authenticate({ bearer, apiKey: bearer === undefined ? apiKey : undefined });
    if (!principal) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpProblem(
        401,
        'invalid_credential',
        'the token or API key is not valid (expired, revoked or unknown)',
      );
    }
    req.principal = principal;
    const platformAdmin = principal.user.platformAdmin;
    if (config?.tenant === true) {
      const named = namedOrg(req);
      const org = named === undefined || SLUG_PATTERN.test(named) ? await auth.resolveOrg(principal, named) : undefined;
      if (!org) {
        throw new HttpProblem(
          404,
          'organization_not_found',
          named === undefined ? 'you are not a member of any organisation' : `no organisation '${named}'`,
        );
      }
      req.org = org;
      if (role === 'platform_admin' ? !platformAdmin : !roleSatisfies(org.role, role as 'viewer')) {
        throw new HttpProblem(
          403,
          'forbidden',
          role === 'platform_admin'
            ? 'this needs a platform administrator'
            : `this needs the ${role} role in ${org.slug}; you are ${org.role}`,
        );
      }
      return;
    }
    if (role === 'platform_admin' && !platformAdmin) {
      throw new HttpProblem(403, 'forbidden', 'this needs a platform administrator');
    }
  });
}
