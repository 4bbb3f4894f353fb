// forward-events against local targets: every record of every stored report arrives as one event named as
// parsedmarc names its fields; Splunk HEC and Elasticsearch `_bulk` stand-ins implementing their documented
// answers (incl. per-item failures in a `_bulk` answer), a webhook, and Debian's rsyslogd over UDP, TCP
// (octet-counting) and TLS. A target down, then back: every record arrives exactly once in Elasticsearch and at
// least once in Splunk, in bounded batches, at a bounded number of requests per run, after backing off.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutput } from '../../src/outputs/admin.js';
import { forwardOrg, type ForwardLimits } from '../../src/outputs/forward.js';
import { outboxRows } from '../../src/store/output-outbox.js';
import { getOutput } from '../../src/store/outputs.js';
import { startRecorder, type Recorder } from '../alerts/servers.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';
import { reportXml, storeReport } from '../support/report-xml.js';
import { servicesRequired } from '../support/services.js';
import {
  rsyslogAvailable,
  startElastic,
  startRsyslog,
  startSplunk,
  type ElasticServer,
  type SplunkServer,
} from './servers.js';

const TOKEN = '5f3a1c2e-aaaa-bbbb-cccc-0123456789ab';
const ACTOR = { id: null, email: 'test@example.com' } as unknown as Parameters<typeof createOutput>[3];
const SETTINGS = { allowPrivate: true, timeoutMs: 2000 };
const LIMITS: Partial<ForwardLimits> = { batchEvents: 4, requestsPerRun: 3, backoffMs: 60_000, maxBackoffMs: 600_000 };

/** Reports of 5, 3 and 6 records: 14 events. */
const REPORTS = [
  { reportId: 'r-1', ips: ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'] },
  { reportId: 'r-2', ips: ['198.51.100.1', '198.51.100.2', '198.51.100.3'], begin: 1_769_904_000 }, // 2026-02-01
  { reportId: 'r-3', ips: ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6'] },
];
const TOTAL = 14;

describe('forward-events', () => {
  let t: TestDatabase;
  let splunk: SplunkServer;
  let elastic: ElasticServer;
  let hook: Recorder;
  let clock = Date.now();
  const now = () => new Date(clock);
  const deps = () => ({ db: t.db, settings: SETTINGS, now, limits: LIMITS });
  const run = async (orgId = DEFAULT_ORG_ID) => forwardOrg(deps(), orgId);

  beforeAll(async () => {
    t = await openPglite();
    splunk = await startSplunk(TOKEN);
    elastic = await startElastic();
    hook = await startRecorder();
  });
  afterAll(async () => {
    await splunk?.close();
    await elastic?.close();
    await hook?.close();
    await t?.drop();
  });

  it('sends each record once as a parsedmarc-named event, in bounded batches; down then back loses nothing', async () => {
    const s = await createOutput(
      t.db,
      DEFAULT_ORG_ID,
      { name: 'splunk', type: 'splunk_hec', config: { url: splunk.url, token: TOKEN, index: 'dmarc' } },
      ACTOR,
      now(),
      SETTINGS,
    );
    const es = await createOutput(
      t.db,
      DEFAULT_ORG_ID,
      {
        name: 'es',
        type: 'elasticsearch',
        config: { url: elastic.url, indexPrefix: 'dmarc', apiKey: 'a2V5OnNlY3JldA==' },
      },
      ACTOR,
      now(),
      SETTINGS,
    );
    for (const r of REPORTS) await storeReport(t.db, DEFAULT_ORG_ID, reportXml(r), NO_SINK);

    // both targets down: one request each, then they back off (nothing lost, nothing flooded)
    splunk.down = true;
    elastic.down = true;
    let runs = await run();
    expect(runs.map((r) => [r.queued, r.requests, r.events])).toEqual([
      [3, 1, 0],
      [3, 1, 0],
    ]);
    expect(runs[0]!.error).toContain('HTTP 503');
    const backingOff = await getOutput(t.db, DEFAULT_ORG_ID, s.id);
    expect(backingOff?.retryAt?.getTime()).toBe(clock + 60_000);
    expect(backingOff?.backlog).toBe(3);
    expect(backingOff?.lastError).toContain('Server is busy');
    // a day of runs every five minutes while down: requests only at each backoff step (60 s, 120 s, ... ≤ 600 s)
    let requests = 2;
    for (let step = 1; step <= 24 * 12; step += 1) {
      clock += 300_000;
      runs = await run();
      requests += runs.reduce((n, r) => n + r.requests, 0);
    }
    // (once per longest backoff, 10 min, after the first steps: about 6 an hour per output)
    expect(requests).toBeLessThanOrEqual(2 * (24 * 6 + 10));
    expect(requests).toBeGreaterThanOrEqual(2 * (24 * 6 - 5));
    expect(splunk.events).toHaveLength(0);

    // back: at most requestsPerRun × batchEvents events per output and run, until all are there
    splunk.down = false;
    elastic.down = false;
    clock += 600_000;
    const perRun: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      runs = await run();
      perRun.push(runs[0]!.events);
      clock += 60_000;
    }
    expect(perRun).toEqual([12, 2, 0, 0, 0]);
    expect(Math.max(...splunk.requests.filter((r) => r.status === 200).map((r) => r.events))).toBeLessThanOrEqual(4);
    expect(splunk.events).toHaveLength(TOTAL);
    expect(new Set(splunk.events.map((e) => e.event_id)).size).toBe(TOTAL);
    expect(new Set(splunk.envelopes.map((e) => e.sourcetype))).toEqual(new Set(['dmarc:aggregate']));
    expect(new Set(splunk.envelopes.map((e) => e.index))).toEqual(new Set(['dmarc']));
    // Elasticsearch: every record exactly once, in the index of its month, with the API key
    expect([...elastic.writes.values()].every((n) => n === 1)).toBe(true);
    expect(elastic.writes.size).toBe(TOTAL);
    expect([...elastic.docs.keys()].sort()).toEqual(['dmarc-2026.01', 'dmarc-2026.02']);
    expect(elastic.docs.get('dmarc-2026.02')?.size).toBe(3);
    expect(elastic.requests.every((r) => r.headers.authorization === 'ApiKey a2V5OnNlY3JldA==')).toBe(true);
    for (const o of [s, es]) {
      const rows = await outboxRows(t.db, DEFAULT_ORG_ID, o.id);
      expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
      const after = await getOutput(t.db, DEFAULT_ORG_ID, o.id);
      expect([after?.backlog, after?.sent, after?.retryAt, after?.consecutiveFailures]).toEqual([0, 3, null, 0]);
    }

    // the event's fields, as parsedmarc's
    const e = splunk.events.find((x) => x.source_ip_address === '198.51.100.2')!;
    expect(e).toMatchObject({
      event_id: expect.stringMatching(/^dmarc-1-\d+-1$/) as unknown,
      org_id: DEFAULT_ORG_ID,
      org_slug: 'default',
      xml_schema: 'draft',
      org_name: 'google.com',
      org_email: 'noreply-dmarc-support@google.com',
      report_id: 'r-2',
      begin_date: '2026-02-01 00:00:00',
      end_date: '2026-02-01 23:59:59',
      errors: '',
      domain: 'example.com',
      adkim: 'r',
      aspf: 'r',
      p: 'none',
      sp: 'none',
      pct: 100,
      count: 2,
      spf_aligned: true,
      dkim_aligned: true,
      dmarc_aligned: true,
      disposition: 'none',
      policy_override_reasons: '',
      header_from: 'example.com',
      envelope_from: null,
      dkim_domains: 'example.com',
      dkim_results: 'pass',
      spf_domains: 'example.com',
      spf_results: 'pass',
    });
    for (const k of [
      'source_country',
      'source_reverse_dns',
      'source_base_domain',
      'envelope_to',
      'fo',
      'dkim_selectors',
      'spf_scopes',
    ]) {
      expect(e).toHaveProperty(k);
    }
    // a run with nothing new sends nothing
    const before = splunk.requests.length;
    await run();
    expect(splunk.requests.length).toBe(before);
  });

  it('Elasticsearch partial failures: 429/5xx items are sent again, 4xx items are recorded as refused', async () => {
    const org = await createOrg(t.db, 'partial');
    const fresh = await startElastic();
    try {
      const o = await createOutput(
        t.db,
        org.id,
        {
          name: 'es',
          type: 'elasticsearch',
          config: { url: fresh.url, username: 'elastic', password: 'changeme-pass' },
        },
        ACTOR,
        now(),
        SETTINGS,
      );
      await storeReport(
        t.db,
        org.id,
        reportXml({ reportId: 'p-1', ips: ['192.0.2.10', '192.0.2.11', '192.0.2.12'] }),
        NO_SINK,
      );
      // idx 1 is rejected (a mapping error) for good; idx 2 is "too many requests" the first time
      const busy = new Set<string>();
      fresh.itemStatus = (id) => {
        if (id.endsWith('-1')) return 400;
        if (id.endsWith('-2') && !busy.has(id)) {
          busy.add(id);
          return 429;
        }
        return 201;
      };
      let runs = await forwardOrg(deps(), org.id);
      expect(runs[0]).toMatchObject({ requests: 1, events: 1, rejected: 1 });
      expect(runs[0]!.error).toContain('429 es_rejected_execution_exception');
      expect(runs[0]!.error).toContain('400 mapper_parsing_exception');
      let rows = await outboxRows(t.db, org.id, o.id);
      expect(rows[0]).toMatchObject({ state: 'pending', nextIdx: 2, rejected: 1 });
      clock += 120_000;
      runs = await forwardOrg(deps(), org.id);
      expect(runs[0]).toMatchObject({ requests: 1, events: 1, rejected: 0, error: null });
      rows = await outboxRows(t.db, org.id, o.id);
      expect(rows[0]).toMatchObject({ state: 'sent', nextIdx: 3, rejected: 1 });
      expect([...fresh.writes.entries()].map(([id, n]) => [id.replace(/^.*-/, ''), n])).toEqual([
        ['0', 1],
        ['2', 1],
      ]);
      const basic = `Basic ${Buffer.from('elastic:changeme-pass').toString('base64')}`;
      expect(fresh.requests.every((r) => r.headers.authorization === basic)).toBe(true);
      const out = await getOutput(t.db, org.id, o.id);
      expect(out?.rejected).toBe(1);
      expect(out?.lastError).not.toContain('changeme-pass');
    } finally {
      await fresh.close();
    }
  });

  it('Splunk: a 400 refuses the batch for good; a bad token backs off and keeps the backlog', async () => {
    const org = await createOrg(t.db, 'splunky');
    const o = await createOutput(
      t.db,
      org.id,
      { name: 'hec', type: 'splunk_hec', config: { url: splunk.url, token: 'wrong-token-1234' } },
      ACTOR,
      now(),
      SETTINGS,
    );
    await storeReport(t.db, org.id, reportXml({ reportId: 's-1', ips: ['192.0.2.20'] }), NO_SINK);
    const runs = await forwardOrg(deps(), org.id);
    expect(runs[0]!.error).toContain('HTTP 403');
    expect(runs[0]!.error).not.toContain('wrong-token-1234');
    expect((await outboxRows(t.db, org.id, o.id))[0]).toMatchObject({ state: 'pending', nextIdx: 0 });
    expect(splunk.events.filter((e) => e.org_slug === 'splunky')).toHaveLength(0);
  });

  it('webhook: signed JSON batches; other organisations never see them', async () => {
    const org = await createOrg(t.db, 'hooked');
    const secret = 'webhook-secret-0123456789';
    await createOutput(
      t.db,
      org.id,
      {
        name: 'hook',
        type: 'webhook',
        config: { url: hook.url('/ingest/abc'), secret, headers: { 'X-Tenant': 'hooked' } },
      },
      ACTOR,
      now(),
      SETTINGS,
    );
    await storeReport(
      t.db,
      org.id,
      reportXml({ reportId: 'w-1', ips: ['192.0.2.30', '192.0.2.31'], domain: 'hooked.example' }),
      NO_SINK,
    );
    const runs = await forwardOrg(deps(), org.id);
    expect(runs[0]).toMatchObject({ requests: 1, events: 2, error: null });
    const [req] = hook.on('/ingest/abc');
    expect(req?.headers['x-tenant']).toBe('hooked');
    expect(req?.headers['x-dmarc-signature']).toBe(
      `sha256=${createHmac('sha256', secret).update(req!.body).digest('hex')}`,
    );
    const body = JSON.parse(req!.body) as { events: Record<string, unknown>[] };
    expect(body.events.map((e) => [e.org_slug, e.domain])).toEqual([
      ['hooked', 'hooked.example'],
      ['hooked', 'hooked.example'],
    ]);
    // the default organisation's outputs got none of this organisation's reports, and vice versa
    expect(splunk.events.some((e) => e.org_slug === 'hooked')).toBe(false);
    expect(body.events.some((e) => e.report_id !== 'w-1')).toBe(false);
  });

  it('syslog: RFC 5424 over UDP, TCP (octet counting) and TLS into Debian rsyslogd', async (ctx) => {
    if (!(await rsyslogAvailable())) {
      if (servicesRequired) throw new Error('REQUIRE_SERVICES=1 but rsyslogd is not installed');
      console.warn('rsyslogd not installed: the syslog test skipped');
      ctx.skip();
    }
    const rs = await startRsyslog();
    try {
      const org = await createOrg(t.db, 'syslogged');
      const configs = [
        { name: 'udp', config: { host: '127.0.0.1', port: rs.udpPort, protocol: 'udp' } },
        { name: 'tcp', config: { host: '127.0.0.1', port: rs.tcpPort, protocol: 'tcp', appName: 'dmarc-test' } },
        {
          name: 'tls',
          config: { host: 'localhost', port: rs.tlsPort, protocol: 'tls', ca: readFileSync(rs.caFile, 'utf8') },
        },
      ];
      for (const c of configs) await createOutput(t.db, org.id, { ...c, type: 'syslog' }, ACTOR, now(), SETTINGS);
      await storeReport(t.db, org.id, reportXml({ reportId: 'y-1', ips: REPORTS[2]!.ips }), NO_SINK);
      const runs = await forwardOrg(deps(), org.id);
      expect(runs.map((r) => [r.events, r.error])).toEqual([
        [6, null],
        [6, null],
        [6, null],
      ]);
      for (const kind of ['udp', 'tcp', 'tls'] as const) {
        const got = await rs.waitFor(kind, 6);
        expect(got, kind).toHaveLength(6);
        const events = got.map((m) => JSON.parse(m.trim()) as Record<string, unknown>);
        expect(events.map((e) => e.source_ip_address).sort(), kind).toEqual([...REPORTS[2]!.ips].sort());
        expect(new Set(events.map((e) => e.org_slug))).toEqual(new Set(['syslogged']));
      }
    } finally {
      await rs.close();
    }
  });
});
