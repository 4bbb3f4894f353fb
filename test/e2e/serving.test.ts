// How the server serves the dashboard (no browser needed): index.html for the app's routes, hashed assets
// with long cache headers, the server's own paths left to the problem-details 404, and a clear page when the
// app has not been built.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from '../../src/api/problem.js';
import { requireDeclaredRoles } from '../../src/api/roles.js';
import { isAppPath, registerWeb } from '../../src/api/plugins/web.js';

async function appFor(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerProblemHandlers(app);
  requireDeclaredRoles(app);
  app.get('/api/known', { config: { role: 'public' } }, () => ({ ok: true }));
  await registerWeb(app, { root });
  await app.ready();
  return app;
}

describe('serving the dashboard', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await appFor(dir);
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and client-side routes with index.html, not cached', async () => {
    for (const url of [
      '/',
      '/reports',
      '/reports/42?domain=example.com',
      '/sources?ip=192.0.2.1',
      '/settings/keys',
      '/login?next=%2F',
      // an organisation's dashboard: the same pages under /o/<slug>
      '/o/acme',
      '/o/acme/',
      '/o/acme/reports?domain=example.com',
      '/o/acme/reports/42',
      '/o/acme-corp-2/settings/organizations',
      '/o/acme/login?next=%2Fo%2Facme%2Freports',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<title>app</title>');
    }
  });

  it('serves assets with long, immutable cache headers', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/javascript/);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).not.toBe(200);
  });

  it('serves the icon, and sends /favicon.ico (asked for by every browser) to it', async () => {
    const svg = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toContain('<svg');
    const ico = await app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(ico.statusCode).toBe(301);
    expect(ico.headers.location).toBe('/favicon.svg');
  });

  it("leaves the server's own paths and missing files to the problem-details 404", async () => {
    for (const url of [
      '/api/unknown',
      '/api',
      '/auth/nope',
      '/docs/nope',
      '/health/x',
      '/admin/queues/x',
      '/robots.txt',
      '/o/acme/favicon.ico',
      '/o/acme/assets/index-abc123.js',
      '/o/acme.js',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await app.inject({ method: 'GET', url: '/api/known' })).json()).toEqual({ ok: true });
  });

  it('tells app paths from server paths (and its routes declare a role: the app started)', () => {
    expect(isAppPath('/')).toBe(true);
    expect(isAppPath('/reports/1')).toBe(true);
    expect(isAppPath('/apis')).toBe(true);
    expect(isAppPath('/api/x')).toBe(false);
    expect(isAppPath('/openapi.json')).toBe(false);
    expect(isAppPath('/redoc')).toBe(false);
    expect(isAppPath('/main.js')).toBe(false);
    expect(isAppPath('/o/acme')).toBe(true);
    expect(isAppPath('/o/acme/sources?ip=192.0.2.1')).toBe(true);
    expect(isAppPath('/o/acme/robots.txt')).toBe(false);
    expect(isAppPath('/o/x.y')).toBe(false);
  });

  it('explains when the app has not been built', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-web-empty-'));
    const bare = await appFor(empty);
    try {
      const r = await bare.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(503);
      expect(r.body).toContain('npm run build');
    } finally {
      await bare.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
