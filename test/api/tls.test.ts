// GET /api/tls/reports[/:id] and /api/tls/summary: filters, paging, detail, the cached summary, bad input, and
// organisations kept apart (another organisation's reports are neither listed, counted nor found by id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';
import { tlsReportJson, type TlsReportSpec } from '../support/tls-report.js';

const DAY = 86_400;
const D0 = 1_717_200_000; // 2024-06-01

interface Item {
  id: number;
  domain: string;
  organizationName: string;
  failedSessions: number;
  successfulSessions: number;
  failureShare: number | null;
  resultTypes: string[];
}

describe('the SMTP TLS API', () => {
  let x: TestApp;
  let h: Record<string, string>;
  let otherId = 0;

  async function store(spec: TlsReportSpec, orgId = DEFAULT_ORG_ID): Promise<void> {
    const { fileId } = await intakeFile(x.t.db, {
      orgId,
      bytes: Buffer.from(tlsReportJson(spec)),
      name: `${spec.domain ?? 'x'}-${spec.start ?? 0}.json`,
      source: 'cli',
    });
    const r = await processFile(x.t.db, { orgId, fileId }, { limits: x.config.limits, sink: NO_SINK });
    expect(r.status).toBe('processed');
  }
  const get = async <T>(url: string, headers = h): Promise<T> => {
    const r = await x.app.inject({ method: 'GET', url, headers });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json<T>();
  };

  beforeAll(async () => {
    x = await createTestApp('pglite');
    h = bearer(await x.token('viewer'));
    await store({ domain: 'a.example', start: D0, ok: 90, failures: { 'certificate-expired': 10 } });
    await store({ domain: 'a.example', start: D0 + DAY, org: 'Microsoft Corporation', ok: 50, failures: {} });
    await store({
      domain: 'b.example',
      start: D0 + DAY,
      ok: 0,
      failures: { 'sts-policy-fetch-error': 4, 'certificate-expired': 1 },
    });
    const other = await createOrg(x.t.db, 'tls-other');
    await store(
      { domain: 'secret.example', start: D0, org: 'Hidden Reporter', ok: 1, failures: { 'dane-required': 9 } },
      other.id,
    );
    otherId = Number(
      (await x.t.db.query<{ id: string }>('SELECT id FROM tls_reports WHERE org_id = $1', [other.id])).rows[0]!.id,
    );
  });
  afterAll(async () => {
    await x?.close();
  });

  it('lists the reports newest first, with filters and paging', async () => {
    const all = await get<{ items: Item[]; total: number; nextCursor: string | null }>('/api/tls/reports');
    expect(all.total).toBe(3);
    expect(all.items.map((i) => i.domain)).toEqual(['b.example', 'a.example', 'a.example']);
    expect(all.items[2]).toMatchObject({
      successfulSessions: 90,
      failedSessions: 10,
      failureShare: 0.1,
      resultTypes: ['certificate-expired'],
    });

    const page1 = await get<{ items: Item[]; nextCursor: string | null }>('/api/tls/reports?limit=2');
    expect(page1.items).toHaveLength(2);
    const page2 = await get<{ items: Item[]; nextCursor: string | null }>(
      `/api/tls/reports?limit=2&cursor=${page1.nextCursor}`,
    );
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(page2.nextCursor).toBeNull();

    expect((await get<{ total: number }>('/api/tls/reports?domain=A.example')).total).toBe(2);
    expect((await get<{ total: number }>('/api/tls/reports?org=microsoft%20corporation')).total).toBe(1);
    expect((await get<{ total: number }>('/api/tls/reports?result_type=certificate-expired')).total).toBe(2);
    expect((await get<{ total: number }>('/api/tls/reports?from=2024-06-02&to=2024-06-02')).total).toBe(2);
  });

  it('shows one report with its policies and failure details', async () => {
    const list = await get<{ items: Item[] }>('/api/tls/reports?domain=b.example');
    const r = await get<{
      policyList: {
        policyType: string;
        mxHost: string[];
        failureDetails: { resultType: string; failedSessionCount: number }[];
      }[];
    }>(`/api/tls/reports/${list.items[0]!.id}`);
    expect(r.policyList).toHaveLength(1);
    expect(r.policyList[0]).toMatchObject({ policyType: 'sts', mxHost: ['mx.tls.example'] });
    expect(r.policyList[0]!.failureDetails.map((d) => [d.resultType, d.failedSessionCount])).toEqual([
      ['sts-policy-fetch-error', 4],
      ['certificate-expired', 1],
    ]);
  });

  it('summarises per domain and per day and result type, cached', async () => {
    const first = await x.app.inject({ method: 'GET', url: '/api/tls/summary', headers: h });
    expect(first.headers['x-cache']).toBe('MISS');
    const s = first.json<{
      domains: {
        domain: string;
        sessions: number;
        failedSessions: number;
        failureShare: number;
        byResultType: unknown[];
      }[];
      series: { date: string; resultType: string; failedSessions: number }[];
    }>();
    expect(s.domains).toEqual([
      {
        domain: 'a.example',
        reports: 2,
        sessions: 150,
        successfulSessions: 140,
        failedSessions: 10,
        failureShare: 10 / 150,
        byResultType: [{ resultType: 'certificate-expired', failedSessions: 10 }],
      },
      {
        domain: 'b.example',
        reports: 1,
        sessions: 5,
        successfulSessions: 0,
        failedSessions: 5,
        failureShare: 1,
        byResultType: [
          { resultType: 'sts-policy-fetch-error', failedSessions: 4 },
          { resultType: 'certificate-expired', failedSessions: 1 },
        ],
      },
    ]);
    expect(s.series).toEqual([
      { date: '2024-06-01', resultType: 'certificate-expired', failedSessions: 10 },
      { date: '2024-06-02', resultType: 'certificate-expired', failedSessions: 1 },
      { date: '2024-06-02', resultType: 'sts-policy-fetch-error', failedSessions: 4 },
    ]);
    const again = await x.app.inject({ method: 'GET', url: '/api/tls/summary', headers: h });
    expect(again.headers['x-cache']).toBe('HIT');
    expect((await get<{ domains: unknown[] }>('/api/tls/summary?domain=b.example')).domains).toHaveLength(1);
  });

  it("never shows another organisation's reports", async () => {
    const list = await get<{ items: Item[]; total: number }>('/api/tls/reports?limit=1000');
    expect(list.items.map((i) => i.domain)).not.toContain('secret.example');
    const s = await x.app.inject({ method: 'GET', url: '/api/tls/summary', headers: h });
    expect(s.body).not.toContain('secret.example');
    expect(s.body).not.toContain('dane-required');
    const r = await x.app.inject({ method: 'GET', url: `/api/tls/reports/${otherId}`, headers: h });
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain('Hidden Reporter');
    // the other organisation by name: not a member, so not found
    const named = await x.app.inject({ method: 'GET', url: '/api/orgs/tls-other/tls/reports', headers: h });
    expect(named.statusCode).toBe(404);
  });

  it.each([
    ['/api/tls/reports?from=2024-02-30', 400],
    ['/api/tls/reports?from=2024-06-03&to=2024-06-01', 400],
    ['/api/tls/reports?result_type=bad%20type', 400],
    ['/api/tls/reports?limit=0', 400],
    ['/api/tls/reports?cursor=not-a-cursor', 400],
    ['/api/tls/reports?unknown=1', 400],
    ['/api/tls/summary?to=yesterday', 400],
    ['/api/tls/reports/0', 400],
    ['/api/tls/reports/999999', 404],
  ])('%s → %i problem', async (url, status) => {
    const r = await x.app.inject({ method: 'GET', url, headers: h });
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('needs a login', async () => {
    expect((await x.app.inject({ method: 'GET', url: '/api/tls/summary' })).statusCode).toBe(401);
  });
});
