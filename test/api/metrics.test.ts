// GET /metrics: refused without a credential (401), with an organisation admin who is no platform administrator
// (403: the figures are platform-wide) and with a wrong token; after an upload the counters hold what was stored
// (files by status and kind, reports, records, parse failures by code, ingest and job histograms, HTTP route
// patterns, cache outcomes, queue depth and alerts gauges). Also the worker/scheduler health server's /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../src/runtime/health.js';
import { availableEngines } from '../support/db.js';
import { createOrg } from '../support/org.js';
import { expectProblem, getJson, syntheticReport, upload, startApi, type TestApi } from './helpers.js';

const TOKEN = 'metrics-token-0123456789';

/** The value of one sample of the exposition (0 when absent), labels matched exactly. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}

describe.each(availableEngines())('GET /metrics on %s', (engine) => {
  let api: TestApi;
  let before = '';

  const scrape = async (): Promise<string> => {
    const r = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.body;
  };

  beforeAll(async () => {
    api = await startApi(engine, { DMARC_METRICS_TOKEN: TOKEN });
    before = await scrape();
  });
  afterAll(() => api?.close());

  it('refuses callers without the token or platform administration', async () => {
    const none = await api.app.inject({ method: 'GET', url: '/metrics' });
    expectProblem(none, 401, 'unauthenticated');
    const wrong = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-metrics-token' },
    });
    expectProblem(wrong, 401, 'invalid_credential');
    // an organisation's own admin sees its data elsewhere, never the platform-wide figures
    const org = await createOrg(api.db, 'other-org');
    const { user } = await api.auth.createUser({
      email: 'other-admin@example.com',
      name: 'other',
      password: 'correct horse battery staple',
      member: { orgId: org.id, role: 'admin' },
    });
    const orgAdmin = await api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${await api.auth.access.sign(user.id)}` },
    });
    expectProblem(orgAdmin, 403, 'forbidden');
    expect(orgAdmin.body).not.toContain('dmarc_');
  });

  it('lets a platform administrator scrape', async () => {
    const r = await api.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('# TYPE dmarc_files_ingested_total counter');
  });

  it('counts what an upload stored', async () => {
    const good = Array.from({ length: 3 }, (_, i) => ({
      name: `m-${i}.xml`,
      bytes: syntheticReport(9000 + i, { count: 5 }),
    }));
    const bad = { name: 'broken.xml', bytes: '<feedback><report_metadata>' };
    const dup = { name: 'again.xml', bytes: syntheticReport(9000, { count: 5 }) };
    await upload(api, [...good, bad]);
    await api.queue.drain();
    await upload(api, [{ name: 'copy.xml', bytes: `${dup.bytes}\n` }]);
    await api.queue.drain();
    await getJson(api, '/api/stats/summary');
    await getJson(api, '/api/stats/summary');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(delta('dmarc_files_ingested_total', { status: 'processed', kind: 'aggregate' })).toBe(3);
    expect(delta('dmarc_files_ingested_total', { status: 'failed', kind: 'none' })).toBe(1);
    expect(delta('dmarc_files_ingested_total', { status: 'duplicate', kind: 'aggregate' })).toBe(1);
    expect(delta('dmarc_reports_stored_total', { kind: 'aggregate' })).toBe(3);
    expect(delta('dmarc_records_stored_total', { kind: 'aggregate' })).toBe(3);
    const failures = after
      .split('\n')
      .filter((l) => l.startsWith('dmarc_parse_failures_total{'))
      .reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(delta('dmarc_ingest_duration_seconds_count')).toBe(5);
    expect(delta('dmarc_job_duration_seconds_count', { task: 'process-file', outcome: 'completed' })).toBe(5);
    // one miss then one hit for the same summary
    expect(delta('dmarc_cache_requests_total', { outcome: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(delta('dmarc_cache_requests_total', { outcome: 'hit' })).toBeGreaterThanOrEqual(1);
    // the route pattern, never the raw URL
    expect(
      delta('dmarc_http_request_duration_seconds_count', { method: 'POST', route: '/api/upload', status: '200' }),
    ).toBe(2);
    expect(after).not.toMatch(/route="[^"]*\?/);
    expect(sample(after, 'dmarc_queue_jobs', { state: 'queued' })).toBe(0);
    expect(after).toMatch(/^dmarc_alerts\{state="open"\} \d+$/m);
    expect(after).toContain('dmarc_process_resident_memory_bytes');
  });
});

describe('the worker/scheduler health server /metrics', () => {
  it('serves the metrics for the token only', async () => {
    const server = await startHealthServer(0, '127.0.0.1', () => ({ role: 'worker' }), undefined, {
      token: TOKEN,
      scrape: () => Promise.resolve('dmarc_test 1\n'),
    });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { code: string }).code).toBe('unauthenticated');
      const wrong = await fetch(url, { headers: { authorization: 'Bearer wrong' } });
      expect(wrong.status).toBe(403);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('dmarc_test 1\n');
    } finally {
      await server.close();
    }
    // no token configured: refused to everyone
    const closed = await startHealthServer(0, '127.0.0.1', () => ({}), undefined, {
      token: null,
      scrape: () => Promise.resolve(''),
    });
    try {
      const r = await fetch(`http://127.0.0.1:${closed.port}/metrics`, { headers: { authorization: 'Bearer x' } });
      expect(r.status).toBe(403);
    } finally {
      await closed.close();
    }
  });
});

describe('deploy/grafana/dmarc-dashboard.json', () => {
  it('charts only metrics the registry has', async () => {
    const fs = await import('node:fs');
    const { metricsRegistry } = await import('../../src/events/metrics.js');
    const dashboard = JSON.parse(fs.readFileSync('deploy/grafana/dmarc-dashboard.json', 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const known = new Set((await metricsRegistry.getMetricsAsJSON()).map((m) => m.name));
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/dmarc_[a-z0-9_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(known, name).toContain(name.replace(/_(bucket|count|sum)$/, ''));
  });
});
