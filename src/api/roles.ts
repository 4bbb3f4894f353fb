// Every route declares the role it needs in its options (`config: { role }`), in one place. The auth issue
// enforces it; a route that declares none makes start-up fail, so that forgetting is impossible.
import type { FastifyInstance } from 'fastify';
import { Problem } from './schemas/common.js';
import { AppError } from '../model/errors.js';

export type Role = 'public' | 'viewer' | 'analyst' | 'admin';
export const ROLES: readonly Role[] = ['public', 'viewer', 'analyst', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: Role;
  }
  interface FastifyInstance {
    /** Every route with its declared role, as registered (the RBAC tests walk it). */
    routeCatalog: { method: string; url: string; role: Role }[];
  }
}

/** Routes added by documentation plugins (Swagger UI assets) are public by nature. */
const DOCS_PREFIXES = ['/docs'];

export class RouteWithoutRoleError extends AppError {
  constructor(method: string, url: string) {
    super('route_without_role', `route ${method} ${url} declares no role (config.role)`);
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
  const refusals = role === 'public' ? ['429'] : ['401', '403', '429'];
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
    const config = (route.config ?? {}) as { role?: Role };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (config.role !== undefined && ROLES.includes(config.role)) {
      for (const m of methods) app.routeCatalog.push({ method: m, url: route.url, role: config.role });
      documentRole(route.schema as Record<string, unknown> | undefined, config.role);
      return;
    }
    // The CORS plugin's preflight route (OPTIONS *) answers before any handler runs.
    const corsPreflight = route.method === 'OPTIONS' && route.url === '*';
    if (corsPreflight || DOCS_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`))) {
      route.config = { ...config, role: 'public' };
      for (const m of methods) app.routeCatalog.push({ method: m, url: route.url, role: 'public' });
      return;
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new RouteWithoutRoleError(method, route.url);
  });
}
