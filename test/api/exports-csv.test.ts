// GET /api/export/{reports,records,sources,senders,alerts}.csv over the uploaded corpus: the CSV read back with a
// CSV parser (csv-parse) equals the analytics routes' figures for every filter combination (domain, period,
// disposition/result, reporter, network, country/asn/sender); NDJSON carries the same rows; file names; bad
// filters are 400 problems. Formula payloads in reports come out neutralised, odd text survives a round trip,
// numbers stay unquoted; organisation isolation, roles, and the export rate limit (429 + Retry-After).
import fs from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';
import { createOrg } from '../support/org.js';
import {
  corpusRows,
  expectProblem,
  getJson,
  multipart,
  startApi,
  sum,
  syntheticReport,
  upload,
  walk,
  type TestApi,
} from './helpers.js';

type Row = Record<string, string>;

interface Figures {
  reports: number;
  records: number;
  messages: number;
  dmarcPass: number;
}

/** A CSV answer read back: header checked, rows as objects (strings, as a spreadsheet would get them). */
function readCsv(r: LightMyRequestResponse): Row[] {
  expect(r.statusCode, r.body.slice(0, 500)).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
  expect(r.headers['content-disposition']).toMatch(
    /^attachment; filename="dmarc-[a-z]+-[a-z0-9.-]+-[a-z0-9_-]+\.csv"$/,
  );
  // RFC 4180: CRLF after every record, the last one included
  if (r.body.length > 0) expect(r.body.endsWith('\r\n')).toBe(true);
  return parse<Row>(r.body, { columns: true, record_delimiter: '\r\n', relax_quotes: false });
}

function readNdjson(r: LightMyRequestResponse): Record<string, unknown>[] {
  expect(r.statusCode, r.body.slice(0, 500)).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/x-ndjson/);
  expect(r.headers['content-disposition']).toMatch(/\.ndjson"$/);
  return r.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const num = (rows: Row[], col: string): number => sum(rows, (x) => Number(x[col]));

function qs(f: Record<string, string>): string {
  const s = new URLSearchParams(f).toString();
  return s ? `?${s}` : '';
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

describe.each(availableEngines())('CSV exports over the corpus on %s', (engine) => {
  let api: TestApi;
  let domain: string;
  let reporter: string;

  beforeAll(async () => {
    api = await startApi(engine, { DMARC_EXPORT_RATE_PER_MINUTE: '100000' });
    for (let i = 0; i < corpusRows.length; i += 50) {
      const batch = corpusRows.slice(i, i + 50);
      const parts = await Promise.all(batch.map(async (r) => ({ name: r.path, bytes: await fs.readFile(r.absPath) })));
      await upload(api, parts);
    }
    await api.queue.drain();
    // every source gets a country and an AS (no PTR: its sender is the group asn:<n>)
    const ips = await api.db.query<{ ip: string }>(
      'SELECT DISTINCT host(source_ip) AS ip FROM records WHERE source_ip IS NOT NULL ORDER BY 1',
    );
    await upsertEnrichments(
      api.db,
      ips.rows.map((x, i) =>
        enrichment(x.ip, { country: i % 2 === 0 ? 'DE' : 'FR', asn: 64_500 + (i % 3), asOrg: `AS ${i % 3}` }),
      ),
    );
    await api.cache.invalidate(1);
    const top = await api.db.query<{ domain: string; reporter: string }>(
      `SELECT domain, reporter FROM reports GROUP BY 1, 2 ORDER BY sum(message_count) DESC LIMIT 1`,
    );
    domain = top.rows[0]!.domain;
    reporter = top.rows[0]!.reporter;
  }, 600_000);
  afterAll(async () => {
    await api?.close();
  });

  const combos = (): Record<string, string>[] => [
    {},
    { domain },
    { from: '2024-01-01', to: '2024-12-31' },
    { period: 'none' },
    { disposition: 'none' },
    { disposition: 'reject' },
    { dmarc: 'fail' },
    { dmarc: 'pass', domain },
    { org: reporter },
    { source_ip: '0.0.0.0/1' },
    { source_ip: '::/0' },
    { country: 'DE' },
    { country: 'FR', dmarc: 'fail' },
    { asn: '64501' },
    { sender: 'asn:64502' },
  ];

  it('records.csv: one row per record, the counts summing to the summary for every filter', async () => {
    for (const f of combos()) {
      const summary = await getJson<Figures>(api, `/api/rollup/summary${qs(f)}`);
      const rows = readCsv(await api.inject(`/api/export/records.csv${qs(f)}`));
      expect(rows.length, JSON.stringify(f)).toBe(summary.records);
      // the enrichment filters select something (else the comparison would prove little)
      if (f.country ?? f.asn ?? f.sender ?? f.domain) expect(rows.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(num(rows, 'count'), JSON.stringify(f)).toBe(summary.messages);
      expect(
        sum(rows, (x) => (x.dmarc === 'pass' ? Number(x.count) : 0)),
        JSON.stringify(f),
      ).toBe(summary.dmarcPass);
      // storage order, no record twice
      const keys = rows.map((x) => `${x.report}/${x.record}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('records.csv: the same rows as /api/records, with auth results, reasons and alignment', async () => {
    interface Rec {
      reportId: number;
      idx: number;
      count: number;
      disposition: string | null;
      dkim: string | null;
      spf: string | null;
      reasons: { type: string }[];
      dkimResults: { domain: string; selector: string | null; result: string }[];
      spfResults: { domain: string; result: string }[];
    }
    const items = (await walk<Rec>(api, `/api/records?domain=${domain}`, 1000)).items;
    const rows = readCsv(await api.inject(`/api/export/records.csv?domain=${domain}`));
    const byKey = new Map(rows.map((x) => [`${x.report}/${x.record}`, x]));
    expect(byKey.size).toBe(items.length);
    for (const it of items) {
      const row = byKey.get(`${it.reportId}/${it.idx}`)!;
      expect(row).toBeDefined();
      expect(Number(row.count)).toBe(it.count);
      expect(row.disposition).toBe(it.disposition ?? '');
      expect(row.policy_dkim).toBe(it.dkim ?? '');
      expect(row.policy_spf).toBe(it.spf ?? '');
      expect(row.override_reasons).toBe(it.reasons.map((r) => r.type).join('; '));
      expect(row.dkim_domains).toBe(it.dkimResults.map((d) => d.domain).join('; '));
      expect(row.dkim_results).toBe(it.dkimResults.map((d) => d.result).join('; '));
      expect(row.spf_results).toBe(it.spfResults.map((d) => d.result).join('; '));
      const dkimAuth = it.dkimResults.some((d) => d.result.toLowerCase() === 'pass');
      expect(row.dkim_alignment).toBe(it.dkim === 'pass' ? 'aligned' : dkimAuth ? 'not_aligned' : 'fail');
    }
  });

  it('reports.csv: the reports of /api/reports for every filter', async () => {
    for (const f of combos()) {
      const list = await getJson<{ total: number }>(api, `/api/reports${qs({ ...f, limit: '1' })}`);
      const rows = readCsv(await api.inject(`/api/export/reports.csv${qs(f)}`));
      expect(rows.length, JSON.stringify(f)).toBe(list.total);
      const ids = rows.map((x) => Number(x.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    // without record-level filters, the reports' figures are the summary's
    for (const f of [{}, { domain }, { from: '2024-01-01', to: '2024-12-31' }, { org: reporter }] as Record<
      string,
      string
    >[]) {
      const summary = await getJson<Figures>(api, `/api/rollup/summary${qs(f)}`);
      const rows = readCsv(await api.inject(`/api/export/reports.csv${qs(f)}`));
      expect(rows.length).toBe(summary.reports);
      expect(num(rows, 'messages')).toBe(summary.messages);
      expect(num(rows, 'records')).toBe(summary.records);
      expect(num(rows, 'dmarc_pass')).toBe(summary.dmarcPass);
    }
  });

  it("reports.csv and records.csv take the reports list's override-reason filter", async () => {
    const reasons = await api.db.query<{ reason: string }>(
      `SELECT DISTINCT lower(t) AS reason FROM records, unnest(reason_types) AS t ORDER BY 1`,
    );
    expect(reasons.rows.length).toBeGreaterThan(0);
    for (const { reason } of reasons.rows) {
      const filters: Record<string, string>[] = [
        { reason },
        { reason: reason.toUpperCase(), dmarc: 'fail' },
        { reason, domain },
      ];
      for (const f of filters) {
        const list = await getJson<{ total: number }>(api, `/api/reports${qs({ ...f, limit: '1' })}`);
        const reports = readCsv(await api.inject(`/api/export/reports.csv${qs(f)}`));
        expect(reports.length, JSON.stringify(f)).toBe(list.total);
        const records = await getJson<{ total: number }>(api, `/api/records${qs({ ...f, limit: '1' })}`);
        const rows = readCsv(await api.inject(`/api/export/records.csv${qs(f)}`));
        expect(rows.length, JSON.stringify(f)).toBe(records.total);
        for (const x of rows)
          expect(x.override_reasons!.toLowerCase().split('; '), JSON.stringify(f)).toContain(reason);
      }
    }
    // the other exports have no such filter
    expectProblem(await api.inject('/api/export/sources.csv?reason=forwarded'), 400);
  });

  it('sources.csv and senders.csv: the items of the rollups, summing to the summary', async () => {
    interface Src {
      sourceIp: string | null;
      messages: number;
      dmarcPass: number;
      records: number;
      country: string | null;
      sender: string;
    }
    for (const f of combos()) {
      const summary = await getJson<Figures>(api, `/api/rollup/summary${qs(f)}`);
      const sources = (await walk<Src>(api, `/api/rollup/sources${qs(f)}`, 1000)).items;
      const rows = readCsv(await api.inject(`/api/export/sources.csv${qs(f)}`));
      expect(rows.length, JSON.stringify(f)).toBe(sources.length);
      expect(num(rows, 'messages')).toBe(summary.messages);
      expect(num(rows, 'records')).toBe(summary.records);
      const byIp = new Map(rows.map((x) => [x.source_ip, x]));
      for (const s of sources) {
        const row = byIp.get(s.sourceIp ?? '')!;
        expect(Number(row.messages)).toBe(s.messages);
        expect(Number(row.dmarc_pass)).toBe(s.dmarcPass);
        expect(row.country).toBe(s.country ?? '');
        expect(row.sender).toBe(s.sender);
      }
      const senders = (await walk<{ key: string; messages: number }>(api, `/api/rollup/senders${qs(f)}`, 1000)).items;
      const srows = readCsv(await api.inject(`/api/export/senders.csv${qs(f)}`));
      expect(srows.map((x) => [x.key, Number(x.messages)]).sort()).toEqual(
        senders.map((x) => [x.key, x.messages]).sort(),
      );
      expect(num(srows, 'messages')).toBe(summary.messages);
    }
  });

  it('NDJSON (format=json) carries the same rows, numbers as numbers', async () => {
    for (const name of ['reports', 'records', 'sources', 'senders']) {
      const csv = readCsv(await api.inject(`/api/export/${name}.csv?domain=${domain}`));
      const json = readNdjson(await api.inject(`/api/export/${name}.csv?domain=${domain}&format=json`));
      expect(json.length).toBe(csv.length);
      const cols = Object.keys(csv[0] ?? {});
      expect(Object.keys(json[0] ?? {})).toEqual(cols);
      json.forEach((o, i) => {
        for (const c of cols) {
          const v = o[c];
          const cell = csv[i]![c]!;
          if (typeof v === 'number') expect(Number(cell), `${name}.${c}`).toBe(v);
          else if (v === null) expect(cell).toBe('');
          else if (typeof v === 'boolean') expect(cell).toBe(String(v));
          // the corpus holds no formula-like text, so no cell was prefixed
          else expect(cell).toBe(v);
        }
      });
    }
  });

  it('names the file after what and when', async () => {
    const names = async (url: string) => (await api.inject(url)).headers['content-disposition'];
    expect(await names('/api/export/records.csv')).toBe(
      'attachment; filename="dmarc-records-all-domains-all-time.csv"',
    );
    expect(await names(`/api/export/reports.csv?domain=${domain}&from=2024-06-01&to=2024-06-30`)).toBe(
      `attachment; filename="dmarc-reports-${domain}-2024-06-01_2024-06-30.csv"`,
    );
    expect(await names('/api/export/sources.csv?from=2024-06-01&format=json')).toBe(
      'attachment; filename="dmarc-sources-all-domains-from-2024-06-01.ndjson"',
    );
    expect(await names('/api/export/senders.csv?period=none')).toBe(
      'attachment; filename="dmarc-senders-all-domains-no-period.csv"',
    );
    expect(await names('/api/export/alerts.csv?domain=Example.COM')).toBe(
      'attachment; filename="dmarc-alerts-example.com-all-time.csv"',
    );
  });

  it('answers a bad filter with a 400 problem, before anything is streamed', async () => {
    const bad = [
      ['records', 'from=2024-02-30', 'from'],
      ['records', 'from=2024-06-02&to=2024-06-01', 'from'],
      ['reports', 'period=all&from=2024-01-01', 'period'],
      ['sources', 'source_ip=not-an-ip', 'source_ip'],
      ['senders', 'country=XX', 'country'],
      ['records', 'asn=-1', 'asn'],
      ['records', 'disposition=maybe', 'disposition'],
      ['records', 'format=xml', 'format'],
      ['reports', 'limit=10', 'limit'],
      ['records', 'sender=%20', 'sender'],
      ['records', 'reason=', 'reason'],
      ['reports', 'reason=a*', 'reason'],
      ['alerts', 'state=sleeping', 'state'],
      ['alerts', 'severity=huge', 'severity'],
      ['alerts', 'domain=not%20a%20domain', 'domain'],
      ['alerts', 'dmarc=fail', 'dmarc'],
    ] as const;
    for (const [name, q, field] of bad) {
      const r = await api.inject(`/api/export/${name}.csv?${q}`);
      const p = expectProblem(r, 400);
      expect(r.headers['content-disposition'], q).toBeUndefined();
      expect(JSON.stringify(p), q).toContain(field);
    }
  });
});

// ------------------------------------------------------------------------------------------- crafted text

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A report whose reporter, report id, identifiers, auth results and comments are what the test puts there. */
function craftedReport(o: {
  reporter: string;
  reportId: string;
  domain: string;
  headerFrom: string;
  envelopeTo: string;
  dkimDomain: string;
  selector: string;
  comment: string;
  begin?: number;
}): string {
  const begin = o.begin ?? 1_717_200_000;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${esc(o.reporter)}</org_name><email>r@example.net</email>
    <extra_contact_info>${esc(o.comment)}</extra_contact_info>
    <report_id>${esc(o.reportId)}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${esc(o.domain)}</domain><p>none</p><pct>100</pct></policy_published>
  <record>
    <row><source_ip>192.0.2.10</source_ip><count>1234567</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>forwarded</type><comment>${esc(o.comment)}</comment></reason></policy_evaluated></row>
    <identifiers><envelope_to>${esc(o.envelopeTo)}</envelope_to><header_from>${esc(o.headerFrom)}</header_from></identifiers>
    <auth_results><dkim><domain>${esc(o.dkimDomain)}</domain><selector>${esc(o.selector)}</selector><result>pass</result></dkim>
      <spf><domain>${esc(o.domain)}</domain><result>fail</result></spf></auth_results>
  </record>
</feedback>
`;
}

const PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '@SUM(1+1)', '-2+3', '\tTAB', '\rCR'];

describe.each(availableEngines())('CSV exports of crafted text on %s', (engine) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi(engine, { DMARC_EXPORT_RATE_PER_MINUTE: '1000' });
    const files = PAYLOADS.map((p, i) => ({
      name: `payload-${i}.xml`,
      bytes: craftedReport({
        reporter: p,
        reportId: `${p}-${i}`,
        domain: `payload${i}.example`,
        headerFrom: p,
        envelopeTo: p,
        dkimDomain: p,
        selector: p,
        comment: p,
        begin: 1_717_200_000 + i * 86_400,
      }),
    }));
    files.push({
      name: 'odd.xml',
      bytes: craftedReport({
        reporter: 'Почта Mail.Ru',
        reportId: 'id "quoted", with, commas',
        domain: 'xn--e1afmkfd.xn--p1ai',
        headerFrom: 'пример.рф',
        envelopeTo: 'bücher.example',
        dkimDomain: 'münchen.example',
        selector: '選択子',
        comment: 'line one\nline two, "quoted"\r\nline three',
      }),
    });
    await upload(api, files);
    await api.queue.drain();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('neutralises every formula payload in reporter names, report ids, identifiers, auth results and comments', async () => {
    const records = readCsv(await api.inject('/api/export/records.csv'));
    const raw = readNdjson(await api.inject('/api/export/records.csv?format=json'));
    const reports = readCsv(await api.inject('/api/export/reports.csv'));
    const rawReports = readNdjson(await api.inject('/api/export/reports.csv?format=json'));
    const cols = [
      'reporter',
      'reporter_org',
      'report_id',
      'header_from',
      'envelope_to',
      'dkim_domains',
      'dkim_selectors',
    ];
    for (const [i, p] of PAYLOADS.entries()) {
      const at = records.findIndex((x) => x.domain === `payload${i}.example`);
      expect(at, p).toBeGreaterThanOrEqual(0);
      const rec = records[at]!;
      const stored = raw[at]!;
      expect(stored.domain).toBe(`payload${i}.example`);
      // what the report said (the parser trims identifiers and lower-cases domains; XML turns CR into LF) ...
      for (const col of [...cols, 'override_comments']) {
        const v = String(stored[col]);
        // ... comes out with a leading ' whenever it starts like a formula
        expect(rec[col], `${col} of ${JSON.stringify(p)}`).toBe(/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      }
      const rep = reports.find((x) => x.domain === `payload${i}.example`)!;
      const rawRep = rawReports.find((x) => x.domain === `payload${i}.example`)!;
      for (const col of ['reporter', 'reporter_org', 'report_id', 'reporter_contact']) {
        const v = String(rawRep[col]);
        expect(rep[col], `${col} of ${JSON.stringify(p)}`).toBe(/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      }
    }
    // the payloads that survive parsing as they were, neutralised
    const byDomain = (i: number) => records.find((x) => x.domain === `payload${i}.example`)!;
    expect(byDomain(0).reporter).toBe(`'=HYPERLINK("http://x","y")`);
    expect(byDomain(0).report_id).toBe(`'=HYPERLINK("http://x","y")-0`);
    expect(byDomain(0).override_comments).toBe(`'=HYPERLINK("http://x","y")`);
    expect(byDomain(0).dkim_selectors).toBe(`'=HYPERLINK("http://x","y")`);
    expect(byDomain(1).reporter).toBe(`'+cmd|' /C calc'!A0`);
    expect(byDomain(2).reporter).toBe(`'@SUM(1+1)`);
    expect(byDomain(3).reporter).toBe(`'-2+3`);
    // no cell of any export starts with a formula character (a bare negative number would be a number)
    for (const name of ['reports', 'records', 'sources', 'senders']) {
      const rows = readCsv(await api.inject(`/api/export/${name}.csv`));
      for (const row of rows) {
        for (const [col, v] of Object.entries(row)) expect(v, `${name}.${col}`).not.toMatch(/^[=+@\t\r]|^-(?!\d+$)/);
      }
    }
    // NDJSON is for scripts: the values as stored
    const json = readNdjson(await api.inject('/api/export/records.csv?format=json&domain=payload0.example'));
    expect(json[0]!.reporter).toBe(PAYLOADS[0]);
  });

  it('keeps quotes, commas, newlines and non-ASCII through a round trip; numbers are not quoted', async () => {
    const r = await api.inject('/api/export/records.csv?domain=xn--e1afmkfd.xn--p1ai');
    const [row] = readCsv(r);
    expect(row).toMatchObject({
      reporter: 'Почта Mail.Ru',
      report_id: 'id "quoted", with, commas',
      header_from: 'пример.рф',
      envelope_to: 'bücher.example',
      dkim_domains: 'münchen.example',
      dkim_selectors: '選択子',
      // XML itself turns CR LF into LF (a CR of a cell: test/exports/cells.test.ts)
      override_comments: 'line one\nline two, "quoted"\nline three',
      count: '1234567',
    });
    // the count is written bare, the text with quotes doubled
    expect(r.body).toContain(',1234567,');
    expect(r.body).toContain('"id ""quoted"", with, commas"');
    expect(Buffer.from(r.rawPayload).toString('utf8')).toBe(r.body);
    const bom = await api.inject('/api/export/records.csv?domain=xn--e1afmkfd.xn--p1ai&bom=true');
    expect(bom.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parse(bom.body, { columns: true, bom: true })).toEqual([row]);
  });

  it('names an IDN domain by its A-label', async () => {
    const r = await api.inject(`/api/export/records.csv?domain=${encodeURIComponent('пример.рф')}`);
    expect(r.headers['content-disposition']).toBe(
      'attachment; filename="dmarc-records-xn--e1afmkfd.xn--p1ai-all-time.csv"',
    );
  });
});

// ------------------------------------------------------------------------- organisations, roles, the limit

describe.each(availableEngines())('CSV exports: organisations, roles and the export limit on %s', (engine) => {
  let x: TestApp;
  let otherToken: string;

  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000', DMARC_EXPORT_RATE_PER_MINUTE: '1000' });
    const other = await createOrg(x.t.db, 'other', 'Other');
    const { user } = await x.auth.createUser({
      email: 'other-admin@example.com',
      name: 'other',
      password: 'correct horse battery staple',
      member: { orgId: other.id, role: 'admin' },
    });
    otherToken = await x.auth.access.sign(user.id);
    const send = async (url: string, token: string, bytes: string) => {
      const body = multipart([{ name: 'r.xml', bytes }]);
      const r = await x.app.inject({
        method: 'POST',
        url,
        payload: body.payload,
        headers: { ...body.headers, ...bearer(token) },
      });
      expect(r.statusCode, r.body).toBe(200);
    };
    await send(
      '/api/upload',
      await x.token('admin'),
      syntheticReport(1, { org: 'Ours Reporter', domain: 'ours.example' }),
    );
    await send(
      '/api/orgs/other/upload',
      otherToken,
      syntheticReport(2, { org: 'Theirs Reporter', domain: 'theirs.example', ip: '203.0.113.9' }),
    );
    await x.queue.drain();
  }, 120_000);
  afterAll(async () => {
    await x?.close();
  });

  const get = async (url: string, token?: string) =>
    x.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

  it("never gives one organisation's rows to another", async () => {
    const viewer = await x.token('viewer');
    for (const name of ['reports', 'records', 'sources', 'senders']) {
      const ours = await get(`/api/export/${name}.csv?format=json`, viewer);
      expect(ours.statusCode).toBe(200);
      expect(ours.body).not.toMatch(/Theirs|theirs\.example|203\.0\.113\.9/);
      const theirs = await get(`/api/export/${name}.csv?format=json`, otherToken);
      expect(theirs.statusCode).toBe(200);
      expect(theirs.body).not.toMatch(/Ours|ours\.example|198\.51\.100\.7/);
      if (name !== 'senders') expect(theirs.body).toMatch(/theirs\.example|203\.0\.113\.9/);
      // a member of the default organisation naming the other one: 404, nothing of it
      const probe = await get(`/api/orgs/other/export/${name}.csv`, viewer);
      expect(probe.statusCode).toBe(404);
      expect(probe.body).not.toMatch(/theirs/);
    }
    // the same filters name nothing of the other organisation
    const filtered = await get('/api/export/records.csv?domain=theirs.example', viewer);
    expect(filtered.body.trim().split('\r\n')).toHaveLength(1);
  });

  it('lets every member export (viewer included), never an anonymous caller', async () => {
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      for (const name of ['reports', 'records', 'sources', 'senders', 'alerts']) {
        const r = await get(`/api/export/${name}.csv`, await x.token(role));
        expect(r.statusCode, `${role} ${name}`).toBe(200);
      }
    }
    const r = await get('/api/export/alerts.csv', await x.token('viewer'));
    expect(r.body.split('\r\n')[0]).toMatch(/^id,severity,state,/);
    expectProblem(await get('/api/export/records.csv'), 401);
    expectProblem(await get('/api/export/alerts.csv'), 401);
    expectProblem(await get('/api/export/records.csv', 'not-a-token'), 401);
  });
});

describe.each(availableEngines())('the export rate limit on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000', DMARC_EXPORT_RATE_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await x?.close();
  });
  const get = async (url: string, token: string) => x.app.inject({ method: 'GET', url, headers: bearer(token) });

  it('limits a user to DMARC_EXPORT_RATE_PER_MINUTE exports: 429 with Retry-After, other routes unaffected', async () => {
    const analyst = await x.token('analyst');
    const urls = ['/api/export/records.csv', '/api/orgs/default/export/reports.csv', '/api/export/alerts.csv'];
    for (const u of urls) expect((await get(u, analyst)).statusCode, u).toBe(200);
    const over = await get('/api/export/sources.csv', analyst);
    const p = expectProblem(over, 429, 'export_rate_limited');
    expect(p.detail).toMatch(/at most 3 per minute/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    // the general limit still answers the rest of the API
    expect((await get('/api/rollup/summary', analyst)).statusCode).toBe(200);
    // another user has a bucket of their own
    expect((await get('/api/export/records.csv', await x.token('admin'))).statusCode).toBe(200);
  });
});

// ------------------------------------------------------------------------------------- a client that goes away

describe('an export whose client goes away (PGlite)', () => {
  let api: TestApi;
  const RECORDS = 80_000;

  beforeAll(async () => {
    api = await startApi('pglite', { DMARC_EXPORT_RATE_PER_MINUTE: '1000' });
    const rec = (i: number) =>
      `<record><row><source_ip>10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}</source_ip><count>1</count>` +
      '<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>' +
      '<identifiers><header_from>big.example</header_from></identifiers>' +
      '<auth_results><spf><domain>big.example</domain><result>pass</result></spf></auth_results></record>';
    const xml = `<?xml version="1.0"?><feedback><report_metadata><org_name>big</org_name><email>a@big.example</email>
      <report_id>big-1</report_id><date_range><begin>1717200000</begin><end>1717286399</end></date_range>
      </report_metadata><policy_published><domain>big.example</domain><p>none</p></policy_published>
      ${Array.from({ length: RECORDS }, (_, i) => rec(i)).join('\n')}</feedback>`;
    await upload(api, [{ name: 'big.xml', bytes: xml }]);
    await api.queue.drain();
  }, 300_000);
  afterAll(async () => {
    await api?.close();
  });

  it('stops reading pages from the database when the client disconnects', async () => {
    // count the export's page queries
    let pages = 0;
    const query = api.db.query.bind(api.db);
    const counting: typeof api.db.query = (sql, params) => {
      if (sql.includes('JOIN records c ON c.report_id = r.id')) pages++;
      return query(sql, params);
    };
    api.db.query = counting;
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${address}/api/export/records.csv`, { headers: api.headers });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel(); // the client goes away after its first chunk
      await new Promise((r) => setTimeout(r, 1500));
      const after = pages;
      expect(after).toBeGreaterThanOrEqual(1);
      // what the socket buffers (a few MB on loopback) read ahead at most, not the 17 pages of the whole export
      expect(after).toBeLessThanOrEqual(8);
      await new Promise((r) => setTimeout(r, 1000));
      expect(pages).toBe(after);
      // and the whole export, read to the end, has every row
      const full = await fetch(`${address}/api/export/records.csv?domain=big.example`, { headers: api.headers });
      const text = await full.text();
      expect(text.trim().split('\r\n')).toHaveLength(RECORDS + 1);
    } finally {
      api.db.query = query;
    }
  }, 120_000);
});
