// The DNS check routes against a DNS server on loopback (DMARC_DNS_SERVERS): the latest check (or "never
// checked"), checking now (analyst and up, rate-limited), the history pages, bad input (400), a domain of no
// report or of another organisation (404), and what each role may do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_PER_MINUTE } from '../../src/api/routes/dns.js';
import { storeReports } from '../alerts/support.js';
import { availableEngines } from '../support/db.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DNS_TEST_HOST, testZone } from '../support/dns-zone.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { expectProblem, startApi, type TestApi } from './helpers.js';

interface Check {
  id: number;
  domain: string;
  trigger: string;
  counts: { error: number; warning: number; info: number };
  findings: { code: string; severity: string; text: string; record?: string }[];
  changes: { kind: string }[];
  records: { dmarc: { status: string; tags: Record<string, string> | null }; dkim: { selector: string }[] };
}

describe.each(availableEngines())('DNS check routes on %s', (engine) => {
  let api: TestApi;
  let dns: TestDnsServer;
  let tokens: Record<'analyst' | 'viewer' | 'adminB' | 'burst', string>;

  beforeAll(async () => {
    dns = await startDnsServer(testZone(), { host: DNS_TEST_HOST });
    api = await startApi(engine, { DMARC_DNS_SERVERS: dns.address, DMARC_DNS_TIMEOUT_MS: '500' });
    const orgB = await createOrg(api.db, 'org-b');
    await storeReports(api.db, DEFAULT_ORG_ID, [
      {
        domain: 'goodmail.com',
        day: '2026-03-09',
        p: 'reject',
        sp: 'reject',
        records: [{ ip: '192.0.2.7', count: 5 }],
      },
      { domain: 'nodmarc.com', day: '2026-03-09', records: [{ ip: '192.0.2.7', count: 2 }] },
    ]);
    await storeReports(api.db, orgB.id, [
      { domain: 'keys.com', day: '2026-03-09', records: [{ ip: '192.0.2.8', count: 1 }] },
    ]);
    const user = async (email: string, orgId: number, role: 'analyst' | 'viewer' | 'admin') => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role } });
      return api.auth.access.sign(user.id);
    };
    tokens = {
      analyst: await user('analyst@example.com', DEFAULT_ORG_ID, 'analyst'),
      viewer: await user('viewer@example.com', DEFAULT_ORG_ID, 'viewer'),
      adminB: await user('admin-b@example.com', orgB.id, 'admin'),
      burst: await user('burst@example.com', DEFAULT_ORG_ID, 'analyst'),
    };
  });
  afterAll(async () => {
    await api?.close();
    await dns?.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, token = tokens.viewer) => api.app.inject({ url, headers: as(token) });
  const check = (domain: string, token = tokens.analyst) =>
    api.app.inject({ method: 'POST', url: `/api/domains/${domain}/dns/check`, headers: as(token) });

  it('says so when a domain was never checked', async () => {
    const r = await get('/api/domains/goodmail.com/dns');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      domain: 'goodmail.com',
      checked: false,
      message: expect.stringContaining('has not been checked yet') as string,
      check: null,
    });
  });

  it('checks now (analyst) and answers the check; the latest is then that check', async () => {
    const r = await check('GoodMail.com');
    expect(r.statusCode, r.body).toBe(200);
    const c = r.json<Check>();
    expect(c).toMatchObject({
      domain: 'goodmail.com',
      trigger: 'manual',
      counts: { error: 0, warning: 0 },
      changes: [],
    });
    expect(c.records.dmarc).toMatchObject({ status: 'found', tags: { p: 'reject' } });
    expect(c.records.dkim.map((s) => s.selector)).toEqual(['s1']);
    const latest = await get('/api/domains/goodmail.com/dns');
    expect(latest.json<{ checked: boolean; check: Check }>()).toMatchObject({ checked: true, check: { id: c.id } });
  });

  it('findings come with severity and text: a missing DMARC record', async () => {
    const c = (await check('nodmarc.com')).json<Check>();
    const f = c.findings.find((x) => x.code === 'dmarc_missing')!;
    expect(f).toMatchObject({ severity: 'error', record: 'dmarc' });
    expect(f.text).toContain('_dmarc.nodmarc.com');
    expect(c.counts.error).toBeGreaterThanOrEqual(2); // and +all
    expect(c.findings[0]!.severity).toBe('error');
  });

  it('the history, newest first, in cursor pages; changes=true keeps the checks that changed something', async () => {
    await check('goodmail.com');
    await check('goodmail.com');
    const p1 = (await get('/api/domains/goodmail.com/dns/history?limit=2')).json<{
      items: { id: number; trigger: string; changes: unknown[] }[];
      total: number;
      nextCursor: string | null;
    }>();
    expect(p1.total).toBe(3);
    expect(p1.items).toHaveLength(2);
    expect(p1.items[0]!.id).toBeGreaterThan(p1.items[1]!.id);
    const p2 = (await get(`/api/domains/goodmail.com/dns/history?limit=2&cursor=${p1.nextCursor!}`)).json<{
      items: unknown[];
      nextCursor: string | null;
    }>();
    expect(p2.items).toHaveLength(1);
    expect(p2.nextCursor).toBeNull();
    const changed = (await get('/api/domains/goodmail.com/dns/history?changes=true')).json<{ total: number }>();
    expect(changed.total).toBe(0);
  });

  it('bad input is a 400 with the field', async () => {
    for (const bad of ['not_a_domain!', 'localhost', 'a..b.com', `${'x'.repeat(64)}.com`]) {
      const p = expectProblem(await get(`/api/domains/${encodeURIComponent(bad)}/dns`), 400, 'validation_failed');
      expect(p.errors?.[0]?.field).toBe('domain');
    }
    expectProblem(await check('bad_domain!'), 400, 'validation_failed');
    expectProblem(await get('/api/domains/goodmail.com/dns/history?cursor=nonsense'), 400, 'invalid_cursor');
    expectProblem(await get('/api/domains/goodmail.com/dns/history?limit=0'), 400);
    expectProblem(await get('/api/domains/goodmail.com/dns/history?changes=perhaps'), 400);
    expectProblem(await get('/api/domains/goodmail.com/dns/history?other=1'), 400);
  });

  it('a domain the organisation has no reports for is a 404, as is another organisation’s', async () => {
    expectProblem(await get('/api/domains/unknown-domain.com/dns'), 404, 'domain_not_found');
    expectProblem(await get('/api/domains/keys.com/dns'), 404, 'domain_not_found');
    expectProblem(await check('keys.com'), 404, 'domain_not_found');
    expectProblem(await get('/api/domains/keys.com/dns/history'), 404, 'domain_not_found');
    // organisation B sees its own domain, never A's checks
    expectProblem(await get('/api/orgs/org-b/domains/goodmail.com/dns', tokens.adminB), 404, 'domain_not_found');
    const b = await get('/api/orgs/org-b/domains/keys.com/dns', tokens.adminB);
    expect(b.json()).toMatchObject({ checked: false, check: null });
    // and a member of B may not name A's organisation
    expectProblem(await get('/api/orgs/default/domains/goodmail.com/dns', tokens.adminB), 404);
  });

  it('viewers read but may not check (403); anonymous callers get 401', async () => {
    expect((await get('/api/domains/goodmail.com/dns', tokens.viewer)).statusCode).toBe(200);
    expect((await get('/api/domains/goodmail.com/dns/history', tokens.viewer)).statusCode).toBe(200);
    expectProblem(await check('goodmail.com', tokens.viewer), 403);
    expectProblem(await api.app.inject({ url: '/api/domains/goodmail.com/dns' }), 401);
    expectProblem(await api.app.inject({ method: 'POST', url: '/api/domains/goodmail.com/dns/check' }), 401);
  });

  it(`checking now is rate-limited: ${CHECKS_PER_MINUTE} per minute per caller, then 429`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= CHECKS_PER_MINUTE; i++) statuses.push((await check('goodmail.com', tokens.burst)).statusCode);
    expect(statuses.slice(0, CHECKS_PER_MINUTE).every((s) => s === 200)).toBe(true);
    expectProblem(await check('goodmail.com', tokens.burst), 429, 'rate_limited');
    expect(statuses[CHECKS_PER_MINUTE]).toBe(429);
  });
});
