// OpenAPI from the route schemas: the spec at /openapi.json, Swagger UI at /docs, ReDoc at /redoc — all
// served from npm packages (no CDN).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>DMARC report processor API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script></body></html>`;

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'DMARC report processor API',
        version,
        description:
          'Ingest DMARC aggregate reports and read what they say. Lists answer {items, total, nextCursor}; ' +
          'errors are RFC 9457 problem details (application/problem+json). Dates are UTC (YYYY-MM-DD); ' +
          'date filters apply to the report period begin. Authenticate with `Authorization: Bearer <accessToken>` ' +
          '(POST /auth/login) or `X-API-Key: <key>`; each operation names the role it needs. ' +
          "An organisation's data is served under /api/orgs/{org}/... and, for the caller's default " +
          'organisation (or the one named by an `X-Org: <slug>` header), under /api/...; an organisation the ' +
          'caller cannot enter answers 404.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'auth', description: 'Login, token refresh, logout, the current user, API keys, the audit log' },
        { name: 'users', description: "The organisation's members (its admins)" },
        { name: 'organizations', description: 'Organisations and their members (service providers)' },
        { name: 'analytics', description: 'Figures from the rollups (cached)' },
        { name: 'advice', description: 'Enforcement readiness per domain: why mail fails, what p=reject would block' },
        { name: 'reports', description: 'Reports and records' },
        { name: 'ingest', description: 'Upload and ingested files' },
        { name: 'exports', description: 'Reports to hand on: the PDF report' },
        { name: 'stats', description: 'Aliases kept for older clients' },
        { name: 'tasks', description: 'Background tasks: their runs, IMAP fetches, the queue monitor' },
        { name: 'dns', description: "DNS checks of a domain's records (DMARC, SPF, DKIM, MTA-STS, TLS-RPT, BIMI)" },
        { name: 'outputs', description: 'Forwarding records as events to Splunk, Elasticsearch, syslog or a webhook' },
        { name: 'platform', description: 'Running the installation: backups of the embedded database' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true }, config: { role: 'public' } }, () => app.swagger());

  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js');
  app.get('/redoc', { schema: { hide: true }, config: { role: 'public' } }, (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(REDOC_PAGE),
  );
  app.get('/redoc/redoc.standalone.js', { schema: { hide: true }, config: { role: 'public' } }, (_req, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(fs.createReadStream(redocBundle)),
  );
}
