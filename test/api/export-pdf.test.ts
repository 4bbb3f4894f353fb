// GET /api/export/report.pdf: an attachment named after the domain and the period, the figures the analytics
// routes answer, one organisation's data only, any member may read it (viewer), bad filters are 400 problems.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/api/download.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { DOMAIN, PERIOD, datasetFiles, flat, pdfInfo, pdfText, seedDataset } from '../exports/pdf-support.js';
import { expectProblem, getJson, startApi, type TestApi } from './helpers.js';

const B_REPORTER = 'Rival Reporter Ωmega';
const B_DOMAIN = 'rival-corp.example';

function orgBFile(): { name: string; bytes: Buffer } {
  return {
    name: 'b.xml',
    bytes: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${B_REPORTER}</org_name><email>r@rival.test</email>
    <report_id>rival-1</report_id><date_range><begin>1767830400</begin><end>1767916799</end></date_range>
  </report_metadata>
  <policy_published><domain>${B_DOMAIN}</domain><p>reject</p><pct>100</pct></policy_published>
  <record><row><source_ip>192.0.2.200</source_ip><count>777</count>
    <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>${B_DOMAIN}</header_from></identifiers>
    <auth_results><spf><domain>secret-b.example</domain><result>fail</result></spf></auth_results></record>
</feedback>`),
  };
}

describe.each(availableEngines())('GET /api/export/report.pdf on %s', (engine) => {
  let api: TestApi;
  let viewer: string;
  let viewerB: string;

  beforeAll(async () => {
    api = await startApi(engine);
    await seedDataset(api, { orgId: DEFAULT_ORG_ID, files: datasetFiles('api') });
    const orgB = await createOrg(api.db, 'rival', 'Rival Corp');
    await createOrg(api.db, 'empty-org', 'Empty Org');
    await seedDataset(api, { slug: 'rival', orgId: orgB.id, files: [orgBFile()] });
    const user = async (email: string, orgId: number) => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role: 'viewer' } });
      return api.auth.access.sign(user.id);
    };
    viewer = await user('viewer@example.com', DEFAULT_ORG_ID);
    viewerB = await user('viewer-b@example.com', orgB.id);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const get = (url: string, token?: string) =>
    api.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('a viewer gets the PDF as an attachment named after the domain and the period', async () => {
    const r = await get(`/api/export/report.pdf?domain=${DOMAIN}&from=${PERIOD.from}&to=${PERIOD.to}`, viewer);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toBe(
      `attachment; filename="dmarc-report_${DOMAIN}_2026-01-08_2026-01-14.pdf"`,
    );
    expect(r.headers['cache-control']).toBe('private, no-store');
    const pdf = r.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await pdfInfo(pdf)).pages).toBeGreaterThanOrEqual(5);
    // the figures of the analytics routes for the same filter
    const s = await getJson<{ messages: number; dmarcPass: number }>(
      api,
      `/api/rollup/summary?domain=${DOMAIN}&from=${PERIOD.from}&to=${PERIOD.to}`,
    );
    const text = flat(await pdfText(pdf));
    expect(text).toContain(`Messages ${new Intl.NumberFormat('en-US').format(s.messages)}`);
    expect(text).toContain(`DMARC pass rate ${((100 * s.dmarcPass) / s.messages).toFixed(1)}%`);
    expect(text).toContain('Default organisation');
  });

  it('without a domain: all domains; the period defaults to the 30 days ending with the last day with data', async () => {
    const trends = await getJson<{ period: { from: string; to: string } }>(api, '/api/rollup/trends');
    expect(trends.period).toEqual({ from: '2025-12-16', to: '2026-01-14', days: 30 });
    const r = await api.inject('/api/export/report.pdf');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toContain('dmarc-report_all-domains_2025-12-16_2026-01-14.pdf');
    const text = flat(await pdfText(r.rawPayload));
    expect(text).toContain('16 Dec 2025 – 14 Jan 2026 (30 days)');
    expect(text).toContain('bücher.example');
  });

  it("one organisation never sees another's data", async () => {
    const a = flat(await pdfText((await get('/api/export/report.pdf', viewer)).rawPayload));
    for (const secret of [B_REPORTER, B_DOMAIN, '192.0.2.200', 'secret-b.example', 'Rival Corp', '777']) {
      expect(a).not.toContain(secret);
    }
    const rb = await get('/api/export/report.pdf', viewerB);
    expect(rb.statusCode).toBe(200);
    const b = flat(await pdfText(rb.rawPayload));
    expect(b).toContain(B_REPORTER);
    expect(b).toContain('Rival Corp');
    expect(b).not.toContain('Mail.Ru');
    expect(b).not.toContain(DOMAIN);
    // B's viewer cannot name A's organisation, nor A's domain through its own
    expectProblem(await get('/api/orgs/default/export/report.pdf', viewerB), 404);
    expectProblem(await get(`/api/export/report.pdf?domain=${DOMAIN}`, viewerB), 400, 'validation_failed');
    // the named route answers the named organisation's report
    const named = await api.inject('/api/orgs/rival/export/report.pdf');
    expect(named.statusCode).toBe(200);
    expect(flat(await pdfText(named.rawPayload))).toContain(B_REPORTER);
  });

  it('an organisation without data: a short PDF that says so (200)', async () => {
    const r = await api.inject('/api/orgs/empty-org/export/report.pdf');
    expect(r.statusCode).toBe(200);
    expect((await pdfInfo(r.rawPayload)).pages).toBe(1);
    const text = flat(await pdfText(r.rawPayload));
    expect(text).toContain('No data for this report');
    expect(text).toContain('Empty Org');
  });

  it('anonymous callers get 401', async () => {
    expectProblem(await get('/api/export/report.pdf'), 401);
  });

  it.each([
    ['from=2026-02-30', 'from'],
    ['to=yesterday', 'to'],
    ['from=2026-01-10&to=2026-01-01', 'from'],
    ['period=all&from=2026-01-01', 'period'],
    ['domain=unknown.example', 'domain'],
    ['domain=', 'domain'],
    ['colour=blue', undefined],
  ])('bad input %s: 400 problem+json', async (q, field) => {
    const p = expectProblem(await api.inject(`/api/export/report.pdf?${q}`), 400);
    if (field) expect(JSON.stringify(p.errors ?? p.detail)).toContain(field);
  });

  it('is in the OpenAPI document as application/pdf', async () => {
    const spec = await getJson<{ paths: Record<string, { get: { responses: Record<string, { content?: object }> } }> }>(
      api,
      '/openapi.json',
    );
    const op = spec.paths['/api/export/report.pdf']!.get;
    expect(Object.keys(op.responses['200']!.content ?? {})).toEqual(['application/pdf']);
  });

  it('Content-Disposition: an ASCII name, and its UTF-8 twin only when the name is not plain ASCII', () => {
    expect(attachmentDisposition('a"b\\c-é.pdf')).toBe(
      `attachment; filename="a_b_c-_.pdf"; filename*=UTF-8''a%22b%5Cc-%C3%A9.pdf`,
    );
    expect(attachmentDisposition('dmarc-report_all-domains.pdf')).toBe(
      'attachment; filename="dmarc-report_all-domains.pdf"',
    );
  });
});
