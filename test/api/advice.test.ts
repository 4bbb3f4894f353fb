// GET /api/domains/{domain}/advice through the whole app: the answer's shape and sums, the cache (MISS then HIT,
// a new report invalidates), an unknown domain (404), bad input (400), roles (viewer may read, anonymous 401)
// and organisations (each sees its own records and senders only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppPath } from '../../src/api/plugins/web.js';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { upsertEnrichments } from '../../src/store/ip-enrichment.js';
import { adviceReportXml } from '../support/advice-report.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { expectProblem, multipart, startApi, upload, type TestApi } from './helpers.js';

interface AdviceBody {
  domain: string;
  messages: number;
  verdict: string;
  classification: { class: string; messages: number; sources: number; senders: number }[];
  simulation: { quarantine: { legitimate: number; other: number }; reject: { legitimate: number; other: number } };
  blocking: { sender: string; messages: number; reason: string; fix: string }[];
  plan: { id: string; status: string }[];
}

const DAY1 = 1_767_225_600; // 2026-01-01

describe.each(availableEngines())('advice API on %s', (engine) => {
  let api: TestApi;
  let viewer: string;
  let adminB: string;

  beforeAll(async () => {
    api = await startApi(engine);
    await upload(api, [
      {
        name: 'a.xml',
        bytes: Buffer.from(
          adviceReportXml({
            reportId: 'adv-a',
            begin: DAY1,
            records: [
              { ip: '192.0.2.10', count: 9_000, dkim: [{ d: 'example.com' }] },
              { ip: '167.89.1.1', count: 50, dkim: [{ d: 'sendgrid.net' }], evaluated: ['fail', 'fail'] },
              { ip: '203.0.113.66', count: 30, evaluated: ['fail', 'fail'] },
            ],
          }),
        ),
      },
    ]);
    await api.queue.drain();
    await upsertEnrichments(api.db, [
      {
        ip: '167.89.1.1',
        country: 'US',
        asn: 11377,
        asOrg: 'SENDGRID',
        region: null,
        city: null,
        latitude: null,
        longitude: null,
        ptr: 'o1.ptr1.sendgrid.net',
        fcrdns: true,
        baseDomain: 'sendgrid.net',
        reserved: null,
        dnsStatus: 'ok',
      },
    ]);
    await runIdentification(api.db, { orgId: DEFAULT_ORG_ID, scope: 'all' });
    await api.cache.invalidate(DEFAULT_ORG_ID);
    const user = async (email: string, orgId: number, role: 'viewer' | 'admin') => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role } });
      return api.auth.access.sign(user.id);
    };
    const orgB = await createOrg(api.db, 'org-b');
    viewer = await user('viewer@example.com', DEFAULT_ORG_ID, 'viewer');
    adminB = await user('admin-b@example.com', orgB.id, 'admin');
    const body = multipart([
      {
        name: 'b.xml',
        bytes: Buffer.from(
          adviceReportXml({
            reportId: 'adv-b',
            begin: DAY1,
            records: [{ ip: '198.51.100.1', count: 11, evaluated: ['fail', 'fail'] }],
          }),
        ),
      },
    ]);
    const r = await api.app.inject({
      method: 'POST',
      url: '/api/orgs/org-b/upload',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${adminB}` },
    });
    expect(r.statusCode, r.body).toBe(200);
    await api.queue.drain();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers the advice: classes summing to the messages, simulation, blocking senders, plan; cached', async () => {
    const r = await api.inject('/api/domains/example.com/advice?from=2026-01-01&to=2026-01-31');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['x-cache']).toBe('MISS');
    const a = r.json<AdviceBody>();
    expect(a.domain).toBe('example.com');
    expect(a.messages).toBe(9_080);
    expect(a.classification.map((c) => c.class)).toEqual([
      'aligned',
      'legitimate_unaligned',
      'forwarded',
      'spoofing',
      'own_infrastructure',
    ]);
    expect(a.classification.reduce((x, c) => x + c.messages, 0)).toBe(9_080);
    expect(a.simulation.reject).toMatchObject({ legitimate: 50, other: 30 });
    expect(a.simulation.quarantine).toMatchObject({ legitimate: 50, other: 30 });
    // 50 of 9,080 (0.55 %): ready with exceptions, SendGrid blocking with its fix
    expect(a.verdict).toBe('ready_with_exceptions');
    expect(a.blocking).toHaveLength(1);
    expect(a.blocking[0]).toMatchObject({ sender: 'SendGrid (Twilio)', messages: 50 });
    expect(a.blocking[0]!.fix).toContain('SendGrid');
    expect(a.plan.map((s) => [s.id, s.status])).toEqual([
      ['monitor', 'current'],
      ['quarantine_testing', 'safe_now'],
      ['quarantine', 'later'],
      ['reject_testing', 'later'],
      ['reject', 'later'],
    ]);
    const again = await api.inject('/api/domains/EXAMPLE.com./advice?to=2026-01-31&from=2026-01-01');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.json<AdviceBody>()).toEqual(a);
    // all time, no parameters
    const all = await api.inject('/api/domains/example.com/advice');
    expect(all.statusCode).toBe(200);
    expect(all.json<AdviceBody>().messages).toBe(9_080);
  });

  it('an unknown domain is a 404; bad dates and unknown parameters are 400', async () => {
    expectProblem(await api.inject('/api/domains/unknown.example/advice'), 404, 'domain_not_found');
    const bad = [
      '/api/domains/example.com/advice?from=2026-13-01',
      '/api/domains/example.com/advice?from=2026-02-30',
      '/api/domains/example.com/advice?from=yesterday',
      '/api/domains/example.com/advice?from=2026-02-01&to=2026-01-01',
      '/api/domains/example.com/advice?period=all&from=2026-01-01',
      '/api/domains/example.com/advice?period=sometimes',
      '/api/domains/example.com/advice?domain=example.org',
      // what is no domain name (as on the DNS and sender rule routes)
      '/api/domains/not_a%20domain/advice',
      '/api/domains/localhost/advice',
      '/api/domains/%3Cimg%3E.example/advice',
    ];
    for (const url of bad) expectProblem(await api.inject(url), 400);
    // a path parameter past the router's limit: a problem body too, not a crash
    expectProblem(await api.inject(`/api/domains/${'a'.repeat(254)}/advice`), 404);
  });

  it('viewers may read it; anonymous callers get 401', async () => {
    const v = await api.app.inject({
      url: '/api/domains/example.com/advice',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(v.statusCode, v.body).toBe(200);
    expectProblem(await api.app.inject({ url: '/api/domains/example.com/advice' }), 401);
  });

  it("keeps organisations apart: each its own records; another's organisation is a 404", async () => {
    const b = { authorization: `Bearer ${adminB}` };
    const mine = await api.app.inject({ url: '/api/orgs/org-b/domains/example.com/advice', headers: b });
    expect(mine.statusCode, mine.body).toBe(200);
    const a = mine.json<AdviceBody>();
    expect(a.messages).toBe(11);
    expect(a.blocking).toEqual([]);
    expect(a.classification.find((c) => c.class === 'spoofing')!.messages).toBe(11);
    expect(mine.body).not.toContain('SendGrid');
    // the default organisation's answer (cached above) is not org B's
    const def = await api.inject('/api/domains/example.com/advice');
    expect(def.json<AdviceBody>().messages).toBe(9_080);
    expectProblem(await api.app.inject({ url: '/api/orgs/default/domains/example.com/advice', headers: b }), 404);
  });
});

describe('the server answers the Domain page with the app', () => {
  it('serves /domains/<domain> (dots and all), not a missing file', () => {
    expect(isAppPath('/domains/example.com')).toBe(true);
    expect(isAppPath('/o/acme/domains/mail.example.org')).toBe(true);
    expect(isAppPath('/domains/example.com/x.js')).toBe(false);
    expect(isAppPath('/robots.txt')).toBe(false);
  });
});
