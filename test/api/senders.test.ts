// Who sends as the organisation's domains, through the API: /api/rollup/senders and /countries (each summing to
// the summary's messages for every filter), the country/asn/sender filters on the other routes, one source's
// detail (/api/sources/:ip and the seed's geolocation routes), and the sender rules per domain (CRUD, RBAC, and
// organisation isolation). Sources are enriched with stored rows (as enrich-sources writes them) and identified by
// the real identification run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { senderReportXml, type SenderRecord } from '../support/sender-report.js';
import { expectProblem, getJson, startApi, sumOf, upload, walk, type Page, type TestApi } from './helpers.js';

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
  });
  afterAll(async () => {
    await api?.close();
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

  it('answers are cached per organisation (X-Cache)', async () => {
    const a = await api.inject('/api/rollup/senders?limit=7');
    const b = await api.inject('/api/rollup/senders?limit=7');
    expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    const c = await api.inject('/api/rollup/countries?disposition=reject');
    const d = await api.inject('/api/rollup/countries?disposition=reject');
    expect([c.headers['x-cache'], d.headers['x-cache']]).toEqual(['MISS', 'HIT']);
  });
});
