// Who sends as the organisation's domains, through the API: /api/rollup/senders and /countries (each summing to
// the summary's messages for every filter), the country/asn/sender filters on the other routes, one source's
// detail (/api/sources/:ip and the seed's geolocation routes), and the sender rules per domain (CRUD, RBAC, and
// organisation isolation). Sources are enriched with stored rows (as enrich-sources writes them) and identified by
// the real identification run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { senderReportXml, type SenderRecord } from '../support/sender-report.js';
import {
  expectProblem,
  getJson,
  multipart,
  startApi,
  sumOf,
  upload,
  walk,
  type Page,
  type TestApi,
} from './helpers.js';

interface SenderItem {
  key: string;
  sender: string;
  type: string;
  confidence: string | null;
  approved: boolean | null;
  verdict: string | null;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  sources: number;
  countries: number;
}
interface CountryItem {
  country: string | null;
  name: string | null;
  messages: number;
  dmarcPass: number;
  sources: number;
}
interface Detail {
  ip: string;
  enrichment: Record<string, unknown> | null;
  identification: { key: string; evidence: unknown[]; reason: string } | null;
  senders: Record<string, unknown>[];
  totals: { messages: number; dmarcPass: number; domains: string[] };
  days: { date: string | null; messages: number }[];
}
interface Summary {
  messages: number;
  dmarcPass: number;
  records: number;
  reports: number;
}

const enrichment = (ip: string, o: Partial<NewIpEnrichment>): NewIpEnrichment => ({
  ip,
  country: null,
  asn: null,
  asOrg: null,
  region: null,
  city: null,
  latitude: null,
  longitude: null,
  ptr: null,
  fcrdns: null,
  baseDomain: null,
  reserved: null,
  dnsStatus: 'ok',
  ...o,
});

const ENRICHED: NewIpEnrichment[] = [
  enrichment('167.89.1.1', {
    country: 'US',
    asn: 11377,
    asOrg: 'SENDGRID',
    ptr: 'o1.ptr1234.sendgrid.net',
    fcrdns: true,
    baseDomain: 'sendgrid.net',
  }),
  enrichment('167.89.1.2', {
    country: 'US',
    asn: 11377,
    asOrg: 'SENDGRID',
    ptr: 'o2.ptr1234.sendgrid.net',
    fcrdns: true,
    baseDomain: 'sendgrid.net',
  }),
  enrichment('209.85.220.41', {
    country: 'US',
    asn: 15169,
    asOrg: 'GOOGLE',
    ptr: 'mail-sor-f41.google.com',
    fcrdns: true,
    baseDomain: 'google.com',
    city: 'Mountain View',
  }),
  enrichment('81.2.69.160', {
    country: 'GB',
    asn: 20712,
    asOrg: 'Andrews & Arnold Ltd',
    ptr: 'mx1.customer-example.net',
    fcrdns: true,
    baseDomain: 'customer-example.net',
  }),
  enrichment('185.70.40.1', {
    country: 'CH',
    asn: 62371,
    asOrg: 'Proton AG',
    ptr: 'sendgrid.net.evil.example',
    fcrdns: false,
    baseDomain: 'evil.example',
  }),
  enrichment('2001:db8::25', { reserved: 'documentation', dnsStatus: 'skipped' }),
];

const RECORDS: SenderRecord[] = [
  { ip: '167.89.1.1', count: 120, dkim: [{ d: 'sendgrid.net', s: 's1' }], spf: [{ d: 'em123.example.com' }] },
  {
    ip: '167.89.1.2',
    count: 30,
    dkim: [{ d: 'sendgrid.net', s: 's1' }],
    evaluated: { dkim: 'fail', spf: 'fail' },
  },
  { ip: '209.85.220.41', count: 50, dkim: [{ d: 'example.com', s: 'google' }], spf: [{ d: 'example.com' }] },
  { ip: '81.2.69.160', count: 20, spf: [{ d: 'example.com' }], evaluated: { dkim: 'fail', spf: 'pass' } },
  { ip: '185.70.40.1', count: 7, evaluated: { dkim: 'fail', spf: 'fail' } },
  { ip: '2001:db8::25', count: 3, evaluated: { dkim: 'fail', spf: 'fail' } },
  // never enriched
  { ip: '198.51.100.77', count: 5, evaluated: { dkim: 'fail', spf: 'fail' } },
];

function query(q: Record<string, string>): string {
  const s = new URLSearchParams(q).toString();
  return s ? `?${s}` : '';
}

describe.each(availableEngines())('senders and countries API on %s', (engine) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi(engine);
    await seed(api);
  });
  afterAll(async () => {
    await api?.close();
  });
  SENDER_TESTS(() => api);
});

/** The reports of the suite, uploaded, their sources enriched and identified. */
async function seed(api: TestApi): Promise<void> {
  await upload(api, [
    { name: 'a.xml', bytes: Buffer.from(senderReportXml({ reportId: 'senders-a', records: RECORDS })) },
    {
      name: 'b.xml',
      bytes: Buffer.from(
        senderReportXml({
          reportId: 'senders-b',
          domain: 'example.org',
          reporter: 'Yahoo',
          begin: 1_767_312_000,
          records: [RECORDS[0]!, { ip: '81.2.69.160', count: 4, spf: [{ d: 'example.org' }] }],
        }),
      ),
    },
  ]);
  await api.queue.drain();
  await upsertEnrichments(api.db, ENRICHED);
  const r = await runIdentification(api.db, { orgId: DEFAULT_ORG_ID, scope: 'all' });
  expect(r.done).toBe(true);
  await api.cache.invalidate(DEFAULT_ORG_ID);
}

function SENDER_TESTS(apiOf: () => TestApi): void {
  let api: TestApi;
  beforeAll(() => {
    api = apiOf();
  });

  const senders = async (q: Record<string, string> = {}) =>
    (await walk<SenderItem>(api, `/api/rollup/senders${query(q)}`, 2)).items;
  const countries = async (q: Record<string, string> = {}) =>
    (await getJson<{ items: CountryItem[] }>(api, `/api/rollup/countries${query(q)}`)).items;
  const summary = (q: Record<string, string> = {}) => getJson<Summary>(api, `/api/rollup/summary${query(q)}`);

  it('names services, groups unknown sources, and sums to the summary', async () => {
    const s = await senders();
    const total = await summary();
    expect(total.messages).toBe(120 + 30 + 50 + 20 + 7 + 3 + 5 + 120 + 4);
    expect(sumOf(s, 'messages')).toBe(total.messages);
    expect(sumOf(s, 'dmarcPass')).toBe(total.dmarcPass);
    const sendgrid = s.find((x) => x.key === 'sendgrid')!;
    expect(sendgrid).toMatchObject({
      sender: 'SendGrid (Twilio)',
      messages: 270,
      dmarcPass: 240,
      dmarcFail: 30,
      sources: 2,
      countries: 1,
      approved: null,
      verdict: null,
    });
    expect(sendgrid.confidence).toBe('high');
    expect(s[0]!.key).toBe('sendgrid'); // most messages first
    // the look-alike is not SendGrid; the own server is a group of its PTR base domain
    expect(s.find((x) => x.key === 'ptr:customer-example.net')).toMatchObject({ messages: 24, type: 'unknown' });
    expect(s.some((x) => x.sender.includes('Proton') || x.key === 'asn:62371')).toBe(true);
    // the reserved address and the address never enriched: Unknown
    expect(s.find((x) => x.key === 'unknown')).toMatchObject({ messages: 8, sources: 2, countries: 0 });
  });

  it('countries: one item per country, unlocated sources as null, summing to the summary', async () => {
    const c = await countries();
    const total = await summary();
    expect(sumOf(c, 'messages')).toBe(total.messages);
    expect(c.find((x) => x.country === 'US')).toMatchObject({ name: 'United States', messages: 320, sources: 3 });
    expect(c.find((x) => x.country === 'GB')).toMatchObject({ name: 'United Kingdom', messages: 24, sources: 1 });
    expect(c.find((x) => x.country === null)).toMatchObject({ name: null, messages: 8, sources: 2 });
    expect(c[0]!.country).toBe('US');
  });

  const FILTERS: Record<string, string>[] = [
    {},
    { domain: 'example.org' },
    { dmarc: 'fail' },
    { dmarc: 'pass', domain: 'example.com' },
    { from: '2026-01-02' },
    { to: '2026-01-01' },
    { org: 'Yahoo' },
    { source_ip: '167.89.0.0/16' },
    { disposition: 'none' },
    { country: 'US' },
    { country: 'gb' },
    { asn: '11377' },
    { sender: 'sendgrid' },
    { sender: 'SendGrid (Twilio)', dmarc: 'fail' },
    { sender: 'unknown' },
    { sender: 'ptr:customer-example.net', domain: 'example.org' },
    { country: 'US', asn: '15169' },
    { country: 'ZZ' },
    { country: 'zz', dmarc: 'fail' },
    { period: 'all' },
  ];

  it.each(FILTERS)('for %j, senders and countries each sum to the summary', async (q) => {
    const total = await summary(q);
    const s = await senders(q);
    const c = await countries(q);
    expect(sumOf(s, 'messages')).toBe(total.messages);
    expect(sumOf(s, 'dmarcPass')).toBe(total.dmarcPass);
    expect(sumOf(c, 'messages')).toBe(total.messages);
    expect(sumOf(c, 'dmarcPass')).toBe(total.dmarcPass);
    const sources = (await walk<{ messages: number }>(api, `/api/rollup/sources${query(q)}`, 3)).items;
    expect(sumOf(sources, 'messages')).toBe(total.messages);
    const records = await getJson<Page<{ count: number }>>(api, `/api/records${query({ ...q, limit: '1000' })}`);
    expect(records.total).toBe(total.records);
    expect(sumOf(records.items, 'count')).toBe(total.messages);
    const reports = await getJson<Page<unknown>>(api, `/api/reports${query(q)}`);
    expect(reports.total).toBe(total.reports);
  });

  it('the new filters select what they say', async () => {
    expect((await summary({ country: 'US' })).messages).toBe(320);
    expect((await summary({ country: 'us' })).messages).toBe(320);
    expect((await summary({ asn: '11377' })).messages).toBe(270);
    expect((await summary({ sender: 'sendgrid' })).messages).toBe(270);
    expect((await summary({ sender: 'sendGRID' })).messages).toBe(270);
    expect((await summary({ sender: 'sendgrid (twilio)' })).messages).toBe(270);
    expect((await summary({ sender: 'unknown' })).messages).toBe(8);
    expect((await summary({ country: 'FR' })).messages).toBe(0);
    // ZZ: the sources not located, the countries answer's null item
    expect((await summary({ country: 'ZZ' })).messages).toBe(8);
    expect(await countries({ country: 'ZZ' })).toEqual([expect.objectContaining({ country: null, messages: 8 })]);
    expect((await summary({ sender: 'no-such-sender' })).messages).toBe(0);
    expect((await summary({ country: 'US', domain: 'example.org' })).reports).toBe(1);
    const ips = (await walk<{ sourceIp: string }>(api, '/api/rollup/sources?sender=sendgrid', 10)).items;
    expect(ips.map((x) => x.sourceIp).sort()).toEqual(['167.89.1.1', '167.89.1.2']);
    const recs = await getJson<Page<{ sourceIp: string }>>(api, '/api/records?country=GB&limit=100');
    expect(new Set(recs.items.map((x) => x.sourceIp))).toEqual(new Set(['81.2.69.160']));
  });

  it.each([
    ['country=U', 'country'],
    ['country=USA', 'country'],
    ['country=XX', 'country'],
    ['country=1A', 'country'],
    ['asn=-1', 'asn'],
    ['asn=4294967296', 'asn'],
    ['asn=AS15169', 'asn'],
    ['asn=1.5', 'asn'],
    ['sender=', 'sender'],
    ['sender=%20%20', 'sender'],
    [`sender=${'x'.repeat(301)}`, 'sender'],
  ])('?%s is a 400 naming %s, on every route that takes the filters', async (q, field) => {
    for (const route of [
      '/api/rollup/summary',
      '/api/rollup/senders',
      '/api/rollup/countries',
      '/api/rollup/sources',
      '/api/records',
      '/api/reports',
      '/api/analytics/geolocation/map',
    ]) {
      const body = expectProblem(await api.inject(`${route}?${q}`), 400, 'validation_failed');
      expect(
        body.errors!.map((e) => e.field),
        route,
      ).toContain(field);
    }
  });

  it('senders: sort, order, pages; bad values are 400', async () => {
    const bySender = (await walk<SenderItem>(api, '/api/rollup/senders?sort=sender', 100)).items;
    const names = bySender.map((x) => x.sender.toLowerCase());
    expect(names).toEqual([...names].sort());
    const byFail = (await walk<SenderItem>(api, '/api/rollup/senders?sort=dmarcFail&order=asc', 100)).items;
    expect(byFail.map((x) => x.dmarcFail)).toEqual([...byFail.map((x) => x.dmarcFail)].sort((a, b) => a - b));
    for (const [q, field] of [
      ['sort=country', 'sort'],
      ['order=up', 'order'],
      ['limit=0', 'limit'],
      ['cursor=bogus!', 'cursor'],
    ]) {
      const body = expectProblem(await api.inject(`/api/rollup/senders?${q}`), 400);
      expect(body.errors!.map((e) => e.field)).toContain(field);
    }
  });

  it('sources carry country, AS, PTR and sender', async () => {
    const items = (await walk<Record<string, unknown>>(api, '/api/rollup/sources', 50)).items;
    expect(items.find((x) => x.sourceIp === '167.89.1.1')).toMatchObject({
      country: 'US',
      asn: 11377,
      asOrg: 'SENDGRID',
      ptr: 'o1.ptr1234.sendgrid.net',
      sender: 'SendGrid (Twilio)',
      senderKey: 'sendgrid',
    });
    expect(items.find((x) => x.sourceIp === '198.51.100.77')).toMatchObject({
      country: null,
      asn: null,
      sender: 'Unknown',
      senderKey: 'unknown',
    });
  });

  it('GET /api/sources/:ip: enrichment, identification with evidence, totals and days', async () => {
    const d = await getJson<Detail>(api, '/api/sources/209.85.220.41');
    expect(d.ip).toBe('209.85.220.41');
    expect(d.enrichment).toMatchObject({
      country: 'US',
      countryName: 'United States',
      city: 'Mountain View',
      asn: 15169,
      asOrg: 'GOOGLE',
      ptr: 'mail-sor-f41.google.com',
      fcrdns: true,
      baseDomain: 'google.com',
    });
    expect(d.identification?.key).toBe('google');
    expect(d.identification?.evidence.length).toBeGreaterThan(0);
    expect(typeof d.identification?.reason).toBe('string');
    expect(d.totals).toMatchObject({ messages: 50, dmarcPass: 50, domains: ['example.com'] });
    expect(d.days).toEqual([{ date: '2026-01-01', messages: 50, dmarcPass: 50, dmarcFail: 0 }]);
    expect(d.senders).toEqual([expect.objectContaining({ domain: 'example.com', key: 'google', verdict: null })]);
    // two domains, two days; IPv6 in any spelling
    const sg = await getJson<Detail>(api, '/api/sources/167.89.1.1');
    expect(sg.totals.domains).toEqual(['example.com', 'example.org']);
    expect(sg.days.map((x) => x.date)).toEqual(['2026-01-01', '2026-01-02']);
    const v6 = await getJson<Detail>(api, '/api/sources/2001:DB8:0::25');
    expect(v6.ip).toBe('2001:db8::25');
    expect(v6.enrichment?.reserved).toBe('documentation');
    // not enriched yet: the figures, without enrichment, and nothing to identify it by
    const bare = await getJson<Detail>(api, '/api/sources/198.51.100.77');
    expect(bare).toMatchObject({ enrichment: null, identification: { key: 'unknown' }, totals: { messages: 5 } });
    // the seed's alias answers the same
    expect(await getJson(api, '/api/analytics/geolocation/lookup/209.85.220.41')).toEqual(d);
  });

  it('GET /api/sources/:ip: 404 for an address never seen, 400 for what is not an address', async () => {
    expectProblem(await api.inject('/api/sources/192.0.2.99'), 404, 'source_not_found');
    expectProblem(await api.inject('/api/analytics/geolocation/lookup/192.0.2.99'), 404, 'source_not_found');
    for (const bad of [
      'not-an-ip',
      '192.0.2.0%2F24',
      '999.1.1.1',
      '1.2.3',
      'fe80%3A%3A1%25eth0',
      '%20',
      'x'.repeat(65),
    ]) {
      const r = await api.inject(`/api/sources/${bad}`);
      const body = expectProblem(r, 400);
      expect(
        body.errors!.map((e) => e.field),
        bad,
      ).toContain('ip');
    }
  });

  it('GET /api/analytics/geolocation/map is the countries answer', async () => {
    expect(await getJson(api, '/api/analytics/geolocation/map?domain=example.com')).toEqual(
      await getJson(api, '/api/rollup/countries?domain=example.com'),
    );
  });

  it('GET /api/about gives the IP data attribution, to anyone', async () => {
    const r = await api.app.inject({ url: '/api/about' });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json<{ version: string; ipData: { text: string; sources: { url: string }[] } }>();
    expect(body.ipData.text).toContain('DB-IP');
    expect(body.ipData.sources.map((x) => x.url)).toContain('https://db-ip.com/');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('answers are cached per organisation (X-Cache)', async () => {
    const a = await api.inject('/api/rollup/senders?limit=7');
    const b = await api.inject('/api/rollup/senders?limit=7');
    expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    const c = await api.inject('/api/rollup/countries?disposition=reject');
    const d = await api.inject('/api/rollup/countries?disposition=reject');
    expect([c.headers['x-cache'], d.headers['x-cache']]).toEqual(['MISS', 'HIT']);
  });
}

describe.each(availableEngines())('sender rules per domain on %s', (engine) => {
  let api: TestApi;
  let tokens: Record<'analyst' | 'viewer' | 'adminB', string>;

  beforeAll(async () => {
    api = await startApi(engine);
    await seed(api);
    const user = async (email: string, orgId: number, role: 'analyst' | 'viewer' | 'admin') => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role } });
      return api.auth.access.sign(user.id);
    };
    const orgB = await createOrg(api.db, 'org-b');
    tokens = {
      analyst: await user('analyst@example.com', DEFAULT_ORG_ID, 'analyst'),
      viewer: await user('viewer@example.com', DEFAULT_ORG_ID, 'viewer'),
      adminB: await user('admin-b@example.com', orgB.id, 'admin'),
    };
    // organisation B: the same SendGrid address, on the same domain name, and fewer messages
    const body = multipart([
      {
        name: 'b.xml',
        bytes: Buffer.from(senderReportXml({ reportId: 'org-b-1', records: [{ ...RECORDS[0]!, count: 9 }] })),
      },
    ]);
    const r = await api.app.inject({
      method: 'POST',
      url: '/api/orgs/org-b/upload',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${tokens.adminB}` },
    });
    expect(r.statusCode, r.body).toBe(200);
    await api.queue.drain();
    await runIdentification(api.db, { orgId: orgB.id, scope: 'all' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const put = (domain: string, rule: unknown, token = tokens.analyst) =>
    api.app.inject({
      method: 'PUT',
      url: `/api/domains/${encodeURIComponent(domain)}/senders`,
      headers: { ...as(token), 'content-type': 'application/json' },
      payload: JSON.stringify(rule),
    });
  const del = (domain: string, q: string, token = tokens.analyst) =>
    api.app.inject({
      method: 'DELETE',
      url: `/api/domains/${encodeURIComponent(domain)}/senders?${q}`,
      headers: as(token),
    });
  const list = async (domain: string, token = tokens.analyst) => {
    const r = await api.app.inject({ url: `/api/domains/${encodeURIComponent(domain)}/senders`, headers: as(token) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<{
      items: { domain: string | null; kind: string; value: string; verdict: string; name: string | null }[];
    }>().items;
  };
  const sendersOf = async (q = '') =>
    (await getJson<Page<SenderItem>>(api, `/api/rollup/senders?limit=1000${q}`)).items;
  const identifyRuns = async () =>
    (await api.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM task_runs WHERE name = 'identify-senders'`))
      .rows[0]!.n;

  it('PUT creates (201) then replaces (200) the word on a sender; GET lists it; the senders show it', async () => {
    const runs = await identifyRuns();
    const created = await put('example.com', { kind: 'service', value: 'SendGrid', verdict: 'approved' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      domain: 'example.com',
      kind: 'service',
      value: 'sendgrid',
      verdict: 'approved',
    });
    await api.queue.drain();
    expect(await identifyRuns()).toBeGreaterThan(runs);
    let sg = (await sendersOf('&domain=example.com')).find((x) => x.key === 'sendgrid')!;
    expect(sg).toMatchObject({ approved: true, verdict: 'approved' });
    // on example.org nothing was said: over both domains the word is mixed
    expect((await sendersOf()).find((x) => x.key === 'sendgrid')).toMatchObject({ approved: null, verdict: 'mixed' });

    const replaced = await put('example.com', { kind: 'service', value: 'sendgrid', verdict: 'not_ours' });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(await list('example.com')).toEqual([
      expect.objectContaining({ domain: 'example.com', kind: 'service', value: 'sendgrid', verdict: 'not_ours' }),
    ]);
    sg = (await sendersOf('&domain=example.com')).find((x) => x.key === 'sendgrid')!;
    expect(sg).toMatchObject({ approved: false, verdict: 'not_ours' });
  });

  it('an own server by CIDR for every domain names the sender; the figures still sum to the summary', async () => {
    const r = await put('*', { kind: 'cidr', value: '81.2.69.160/32', verdict: 'own', name: 'our  Exchange' });
    expect(r.statusCode, r.body).toBe(201);
    const all = await sendersOf();
    expect(all.find((x) => x.key === 'own:our exchange')).toMatchObject({
      sender: 'our  Exchange',
      type: 'own',
      confidence: 'high',
      approved: true,
      verdict: 'own',
      messages: 24,
      sources: 1,
    });
    expect(all.some((x) => x.key === 'ptr:customer-example.net')).toBe(false);
    const total = await getJson<Summary>(api, '/api/rollup/summary');
    expect(sumOf(all, 'messages')).toBe(total.messages);
    expect((await getJson<Summary>(api, '/api/rollup/summary?sender=our%20exchange')).messages).toBe(0);
    expect((await getJson<Summary>(api, '/api/rollup/summary?sender=own%3Aour%20exchange')).messages).toBe(24);
    expect((await getJson<Summary>(api, '/api/rollup/summary?sender=our%20%20exchange')).messages).toBe(24);
    // the every-domain rule is listed for each domain, after its own rules
    expect((await list('example.org')).map((x) => [x.domain, x.kind])).toEqual([[null, 'cidr']]);
    expect((await list('*')).map((x) => x.value)).toEqual(['81.2.69.160/32']);
    const detail = await getJson<{ senders: { domain: string; key: string; verdict: string }[] }>(
      api,
      '/api/sources/81.2.69.160',
    );
    expect(detail.senders.map((x) => [x.domain, x.key, x.verdict])).toEqual([
      ['example.com', 'own:our exchange', 'own'],
      ['example.org', 'own:our exchange', 'own'],
    ]);
  });

  it('the most specific rule decides: a CIDR range over a base domain over a service', async () => {
    expect(
      (await put('example.org', { kind: 'base_domain', value: 'SendGrid.net.', verdict: 'approved' })).statusCode,
    ).toBe(201);
    expect((await put('example.org', { kind: 'service', value: 'sendgrid', verdict: 'not_ours' })).statusCode).toBe(
      201,
    );
    const org = async () => (await sendersOf('&domain=example.org')).find((x) => x.key === 'sendgrid')!;
    expect(await org()).toMatchObject({ verdict: 'approved' });
    expect((await put('example.org', { kind: 'cidr', value: '167.89.1.1', verdict: 'not_ours' })).statusCode).toBe(201);
    expect(await org()).toMatchObject({ verdict: 'not_ours', approved: false });
  });

  it('DELETE removes a rule (204), then 404; the value is matched in canonical form', async () => {
    expect((await del('example.org', 'kind=cidr&value=167.89.1.1%2F32')).statusCode).toBe(204);
    expectProblem(await del('example.org', 'kind=cidr&value=167.89.1.1'), 404, 'sender_rule_not_found');
    expect((await del('example.org', 'kind=base_domain&value=sendgrid.net')).statusCode).toBe(204);
    expect((await del('*', 'kind=cidr&value=81.2.69.160')).statusCode).toBe(204);
    expect((await sendersOf()).some((x) => x.type === 'own')).toBe(false);
    // every change is in the organisation's audit log, by whom
    const audit = await api.db.query<{ action: string; actor: string; target: string }>(
      `SELECT action, actor, target FROM audit_log WHERE org_id = $1 AND action LIKE 'sender_rule.%' ORDER BY id`,
      [DEFAULT_ORG_ID],
    );
    expect(audit.rows.filter((x) => x.action === 'sender_rule.delete').map((x) => x.target)).toEqual([
      'sender_rule:example.org cidr 167.89.1.1/32',
      'sender_rule:example.org base_domain sendgrid.net',
      'sender_rule:* cidr 81.2.69.160/32',
    ]);
    expect(audit.rows.every((x) => x.actor === 'analyst@example.com')).toBe(true);
    expect(audit.rows.filter((x) => x.action === 'sender_rule.put').length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['a kind that is none', { kind: 'ip', value: '192.0.2.1', verdict: 'approved' }, 'validation_failed'],
    ['a verdict that is none', { kind: 'service', value: 'sendgrid', verdict: 'yes' }, 'validation_failed'],
    ['an unknown field', { kind: 'service', value: 'sendgrid', verdict: 'approved', x: 1 }, 'validation_failed'],
    ['no value', { kind: 'service', verdict: 'approved' }, 'validation_failed'],
    ['an empty name', { kind: 'cidr', value: '192.0.2.0/24', verdict: 'own', name: '' }, 'validation_failed'],
    ['a bad CIDR', { kind: 'cidr', value: '192.0.2.0/33', verdict: 'approved' }, 'invalid_sender_rule'],
    [
      'a service not in the catalogue',
      { kind: 'service', value: 'no-such', verdict: 'approved' },
      'invalid_sender_rule',
    ],
    ['the unknown group', { kind: 'service', value: 'unknown', verdict: 'not_ours' }, 'invalid_sender_rule'],
    [
      'a base domain that is none',
      { kind: 'base_domain', value: 'not a domain', verdict: 'approved' },
      'invalid_sender_rule',
    ],
    ['own without a name', { kind: 'cidr', value: '192.0.2.0/24', verdict: 'own' }, 'invalid_sender_rule'],
  ])('PUT with %s is a 400 (%s)', async (_label, rule, code) => {
    const body = expectProblem(await put('example.com', rule), 400, code);
    expect(body.errors?.length).toBeGreaterThan(0);
  });

  it('PUT without a JSON body, and DELETE without kind and value, are 400', async () => {
    const r = await api.app.inject({
      method: 'PUT',
      url: '/api/domains/example.com/senders',
      headers: as(tokens.analyst),
    });
    expectProblem(r, 400);
    expectProblem(await del('example.com', ''), 400, 'validation_failed');
    expectProblem(await del('example.com', 'kind=cidr'), 400, 'validation_failed');
    expectProblem(await del('example.com', 'kind=cidr&value=nope'), 400, 'invalid_sender_rule');
  });

  it('a domain the organisation has no reports for is a 404', async () => {
    expectProblem(
      await put('nothing-here.example', { kind: 'service', value: 'sendgrid', verdict: 'approved' }),
      404,
      'domain_not_found',
    );
    const r = await api.app.inject({ url: '/api/domains/nothing-here.example/senders', headers: as(tokens.analyst) });
    expectProblem(r, 404, 'domain_not_found');
    expectProblem(await del('nothing-here.example', 'kind=service&value=sendgrid'), 404, 'domain_not_found');
  });

  it('viewers may not read or change the rules (403); anonymous callers get 401', async () => {
    const v = tokens.viewer;
    expectProblem(await api.app.inject({ url: '/api/domains/example.com/senders', headers: as(v) }), 403);
    expectProblem(await put('example.com', { kind: 'service', value: 'sendgrid', verdict: 'approved' }, v), 403);
    expectProblem(await del('example.com', 'kind=service&value=sendgrid', v), 403);
    expectProblem(await api.app.inject({ url: '/api/domains/example.com/senders' }), 401);
    // the refresh of the enrichment is an admin's
    const refresh = (token: string) =>
      api.app.inject({ method: 'POST', url: '/api/analytics/geolocation/refresh', headers: as(token) });
    expectProblem(await refresh(tokens.analyst), 403);
    const ok = await api.inject({ method: 'POST', url: '/api/analytics/geolocation/refresh' });
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json<{ queued: string[] }>().queued).toHaveLength(1);
  });

  it("organisation B never sees A's senders, rules or sources, and A's rules never touch B", async () => {
    expect((await put('example.com', { kind: 'service', value: 'sendgrid', verdict: 'approved' })).statusCode).toBe(
      200,
    );
    const b = as(tokens.adminB);
    const bSenders = await api.app.inject({ url: '/api/orgs/org-b/rollup/senders', headers: b });
    expect(bSenders.statusCode, bSenders.body).toBe(200);
    expect(bSenders.json<Page<SenderItem>>().items).toEqual([
      expect.objectContaining({ key: 'sendgrid', messages: 9, verdict: null, approved: null }),
    ]);
    const bRules = await api.app.inject({ url: '/api/orgs/org-b/domains/example.com/senders', headers: b });
    expect(bRules.json()).toEqual({ items: [] });
    const bCountries = await api.app.inject({ url: '/api/orgs/org-b/rollup/countries', headers: b });
    expect(bCountries.json<{ items: CountryItem[] }>().items).toEqual([
      expect.objectContaining({ country: 'US', messages: 9, sources: 1 }),
    ]);
    // A's other sources do not exist for B
    expectProblem(
      await api.app.inject({ url: '/api/orgs/org-b/sources/209.85.220.41', headers: b }),
      404,
      'source_not_found',
    );
    expectProblem(await api.app.inject({ url: '/api/orgs/org-b/domains/example.org/senders', headers: b }), 404);
    // B's rule stays B's
    const r = await api.app.inject({
      method: 'PUT',
      url: '/api/orgs/org-b/domains/example.com/senders',
      headers: { ...b, 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'service', value: 'sendgrid', verdict: 'not_ours' }),
    });
    expect(r.statusCode, r.body).toBe(201);
    expect((await sendersOf('&domain=example.com')).find((x) => x.key === 'sendgrid')).toMatchObject({
      verdict: 'approved',
    });
    // A's user cannot reach B's rules
    expectProblem(
      await api.app.inject({ url: '/api/orgs/org-b/domains/example.com/senders', headers: as(tokens.analyst) }),
      404,
    );
  });
});
