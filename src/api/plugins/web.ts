// Serves the dashboard (web/, built by `npm run build` into dist/web): hashed assets with long cache headers,
// and index.html for `/` and every client-side route, plain or inside an organisation (/o/<slug>/<page...>). These are public pages, not API routes: they declare
// the public role and stay out of /openapi.json. Paths of the API, auth, docs and admin areas are never
// answered with the app; they fall through to the problem-details 404.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Path prefixes that belong to the server, not to the app. */
export const NON_APP_PREFIXES = [
  '/api',
  '/auth',
  '/docs',
  '/redoc',
  '/openapi.json',
  '/health',
  '/ready',
  '/admin',
  '/alerts',
];

const NOT_BUILT_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>DMARC dashboard not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>The dashboard has not been built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds first) and reload this page.
The API answers meanwhile: see <a href="/docs">/docs</a>.</p></main></body></html>`;

/** The folder with the built app: <package root>/dist/web, from src/ (tsx) and from dist/src/ alike. */
export function defaultWebRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('dist', 'web');
    dir = parent;
  }
}

/** The dashboard of one organisation: /o/<slug> before any page of the app (slugs as organizations.slug has them). */
const ORG_PREFIX = /^\/o\/[a-z0-9-]{1,63}(?=\/|$)/;

/** Whether a request path is the app's to answer (a client-side route), rather than the server's. */
export function isAppPath(urlPath: string): boolean {
  const p = urlPath.split('?')[0] ?? '/';
  if (NON_APP_PREFIXES.some((x) => p === x || p.startsWith(`${x}/`) || p.startsWith(`${x}?`))) return false;
  // Under /o/<slug>, the same pages as at the root (the app tells an organisation the user cannot enter).
  const page = p.replace(ORG_PREFIX, '') || '/';
  // A missing file (robots.txt, a stale asset) is a 404, not the app; a source's page
  // (/sources/192.0.2.1) and a domain's (/domains/example.com) have dots and are the app's.
  const last = page.slice(page.lastIndexOf('/') + 1);
  if (page === `/sources/${last}` && net.isIP(last) !== 0) return true;
  if (page === `/domains/${last}` && /^[A-Za-z0-9_.-]{1,253}$/.test(last)) return true;
  return !last.includes('.');
}

export interface WebOptions {
  /** Folder holding index.html and assets/ (default: dist/web of the package). */
  root?: string;
}

export async function registerWeb(app: FastifyInstance, options: WebOptions = {}): Promise<void> {
  const root = options.root ?? defaultWebRoot();
  const indexFile = path.join(root, 'index.html');
  const route = { config: { role: 'public' as const }, schema: { hide: true } };

  // Encapsulated, so that reply.sendFile does not clash with other users of @fastify/static (Swagger UI).
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });

    scope.get('/assets/*', route, (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      return reply.sendFile(file, path.join(root, 'assets'), { immutable: true, maxAge: '365d' });
    });

    const sendIndex = (reply: FastifyReply): FastifyReply => {
      // Read per request (a few KB): a rebuild while the server runs is picked up, and nothing goes stale.
      let html: string;
      try {
        html = fs.readFileSync(indexFile, 'utf8');
      } catch {
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT_PAGE);
      }
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
    };

    // The icon (web/public, copied to the build's root): browsers ask for /favicon.ico whatever the page says.
    scope.get('/favicon.svg', route, (_req, reply) =>
      reply.header('cache-control', 'public, max-age=86400').sendFile('favicon.svg', root),
    );
    scope.get('/favicon.ico', route, (_req, reply) => reply.redirect('/favicon.svg', 301));

    scope.get('/', route, (_req, reply) => sendIndex(reply));
    scope.get('/*', route, (req, reply) => (isAppPath(req.url) ? sendIndex(reply) : reply.callNotFound()));
  });
}
