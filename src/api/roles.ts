// Every route declares the role it needs in its options (`config: { role }`), in one place; plugins/auth.ts
// enforces it, and a route that declares none makes start-up fail, so that forgetting is impossible.
//
// Tenant routes (registered under /api and /api/orgs/:org, see tenant.ts) act in one organisation: viewer, analyst
// and admin are the caller's role THERE (a platform administrator is admin everywhere). Other routes need nobody
// (public), any signed-in user (authenticated) or a platform administrator (platform_admin, also on tenant routes).
import type { FastifyInstance } from 'fastify';
import { Problem } from './schemas/common.js';
import { AppError } from '../model/errors.js';

export type Role = 'public' | 'authenticated' | 'viewer' | 'analyst' | 'admin' | 'platform_admin';
export const ROLES: readonly Role[] = ['public', 'authenticated', 'viewer', 'analyst', 'admin', 'platform_admin'];
/** The roles that are a membership's role in an organisation: only tenant routes may declare them. */
export const ORG_ROLES: readonly Role[] = ['viewer', 'analyst', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: Role;
    /** Set by the tenant plugin: the route acts in one organisation. */
    tenant?: boolean;
    /** A shared token a service (Prometheus) may present instead of a user's credential. */
    serviceToken?: (bearer: string) => boolean;
  }
  interface FastifyInstance {
    /** Every route with its declared role, as registered (the RBAC tests walk it). */
    routeCatalog: CatalogEntry[];
  }
}

export interface CatalogEntry {
  method: string;
  url: string;
  role: Role;
  /** Read from the route's config, which the tenant plugin marks after this hook has run. */
  readonly tenant: boolean;
}

/** Routes added by documentation plugins (Swagger UI assets) are public by nature. */
const DOCS_PREFIXES = ['/docs'];

export class RouteWithoutRoleError extends AppError {
  constructor(method: string, url: string, why = 'declares no role (config.role)') {
    super('route_without_role', `route ${method} ${url} ${why}`);
    this.name = 'RouteWithoutRoleError';
  }
}

/**
 * The OpenAPI document says what each operation needs (security schemes, role), the refusals the access layer
 * may answer (401, 403, 429), and that error answers are application/problem+json.
 */
function documentRole(schema: Record<string, unknown> | undefined, role: Role): void {
  if (!schema || schema.hide === true) return;
  schema.security = role === 'public' ? [] : [{ bearerAuth: [] }, { apiKey: [] }];
  schema['x-required-role'] = role;
  const response = (schema.response ?? {}) as Record<string, unknown>;
  const refusals = role === 'public' ? ['429'] : ['401', '403', '404', '429'];
  for (const status of refusals) response[status] ??= Problem;
  for (const [status, body] of Object.entries(response)) {
    if (Number(status) >= 400 && body === Problem) {
      response[status] = {
        description: 'Problem details (RFC 9457)',
        content: { 'application/problem+json': { schema: Problem } },
      };
    }
  }
  schema.response = response;
}

export function requireDeclaredRoles(app: FastifyInstance): void {
  app.decorate('routeCatalog', []);
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { role?: Role; tenant?: boolean };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (config.role !== undefined && ROLES.includes(config.role)) {
      const role = config.role;
      for (const m of methods) {
        app.routeCatalog.push({
          method: m,
          url: route.url,
          role,
          get tenant() {
            return config.tenant === true;
          },
        });
      }
      documentRole(route.schema as Record<string, unknown> | undefined, config.role);
      return;
    }
    // The CORS plugin's preflight route (OPTIONS *) answers before any handler runs.
    const corsPreflight = route.method === 'OPTIONS' && route.url === '*';
    if (corsPreflight || DOCS_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`))) {
      route.config = { ...config, role: 'public' };
      for (const m of methods) app.routeCatalog.push({ method: m, url: route.url, role: 'public', tenant: false });
      return;
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new RouteWithoutRoleError(method, route.url);
  });
  // An organisation role means nothing outside an organisation: such a route is a mistake, found at start-up.
  app.addHook('onReady', async () => {
    const wrong = app.routeCatalog.find((r) => ORG_ROLES.includes(r.role) && !r.tenant);
    if (wrong) {
      throw new RouteWithoutRoleError(
        wrong.method,
        wrong.url,
        `declares the organisation role ${wrong.role} but is not a tenant route`,
      );
    }
  });
}
