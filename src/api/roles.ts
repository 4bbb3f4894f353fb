// Every route declares the role it needs in its options (`config: { role }`), in one place. The auth issue
// enforces it; a route that declares none makes start-up fail, so that forgetting is impossible.
import type { FastifyInstance } from 'fastify';

export type Role = 'public' | 'viewer' | 'analyst' | 'admin';
export const ROLES: readonly Role[] = ['public', 'viewer', 'analyst', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: Role;
  }
}

/** Routes added by documentation plugins (Swagger UI assets) are public by nature. */
const DOCS_PREFIXES = ['/docs'];

export class RouteWithoutRoleError extends Error {
  constructor(method: string, url: string) {
    super(`route ${method} ${url} declares no role (config.role)`);
    this.name = 'RouteWithoutRoleError';
  }
}

export function requireDeclaredRoles(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { role?: Role };
    if (config.role !== undefined && ROLES.includes(config.role)) return;
    if (DOCS_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`))) {
      route.config = { ...config, role: 'public' };
      return;
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new RouteWithoutRoleError(method, route.url);
  });
}
