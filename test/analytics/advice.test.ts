// The advice's domain logic on a real database: classification of generated reports (known catalogue services,
// forwarders by override reason, list-rewritten DKIM and gateway, spoofers, own servers and a sender marked not
// ours), the simulation against an independent count in plain TypeScript over the stored (parsed) records, the
// cache key per organisation, and organisation isolation.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviceAnswer, advise, type Advice } from '../../src/analytics/advice/advice.js';
import { FORWARDING_REASONS } from '../../src/analytics/advice/classify.js';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig } from '../../src/config/index.js';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { putSenderRule } from '../../src/store/sender-rules.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';
import { adviceReportXml, type AdviceRecord } from '../support/advice-report.js';

const DAY1 = 1_767_225_600; // 2026-01-01
const DAY2 = DAY1 + 86_400;

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

const ENRICHED = [
  enrichment('167.89.1.1', { asn: 11377, ptr: 'o1.ptr1.sendgrid.net', fcrdns: true, baseDomain: 'sendgrid.net' }),
  enrichment('54.240.1.1', {
    asn: 16509,
    ptr: 'a1-1.smtp-out.amazonses.com',
    fcrdns: true,
    baseDomain: 'amazonses.com',
  }),
  enrichment('205.139.110.1', { ptr: 'us-smtp-1.mimecast.com', fcrdns: true, baseDomain: 'mimecast.com' }),
  enrichment('185.70.40.1', { ptr: 'mx.evil.example', fcrdns: true, baseDomain: 'evil.example' }),
];

/** Expected class of each source address (what the test knows of the senders, independently of the SQL). */
const CLASS_OF: Record<string, string> = {
  '192.0.2.10': 'aligned',
  '167.89.1.1': 'legitimate_unaligned', // SendGrid, DKIM d=sendgrid.net
  '54.240.1.1': 'legitimate_unaligned', // Amazon SES, SPF amazonses.com
  '198.51.100.5': 'forwarded', // override reason forwarded
  '198.51.100.6': 'forwarded', // DKIM d=example.com verified, not aligned
  '205.139.110.1': 'forwarded', // Mimecast, a security gateway
  '203.0.113.66': 'spoofing', // unidentified
  '203.0.113.67': 'spoofing', // unidentified, from a subdomain
  '10.1.2.3': 'own_infrastructure', // our relays (rule)
  '185.70.40.1': 'spoofing', // marked not ours (rule), though it authenticates as itself
};
const LEGIT = new Set(['legitimate_unaligned', 'own_infrastructure']);

const DAY1_RECORDS: AdviceRecord[] = [
  { ip: '192.0.2.10', count: 500, dkim: [{ d: 'example.com' }], spf: [{ d: 'example.com' }] },
  {
    ip: '167.89.1.1',
    count: 40,
    dkim: [{ d: 'sendgrid.net', s: 's1' }],
    spf: [{ d: 'sendgrid.net' }],
    evaluated: ['fail', 'fail'],
  },
  { ip: '54.240.1.1', count: 20, spf: [{ d: 'amazonses.com' }], evaluated: ['fail', 'fail'] },
  { ip: '198.51.100.5', count: 15, evaluated: ['fail', 'fail'], reasons: ['forwarded'] },
  { ip: '198.51.100.6', count: 12, dkim: [{ d: 'example.com' }], evaluated: ['fail', 'fail'] },
  { ip: '205.139.110.1', count: 8, evaluated: ['fail', 'fail'] },
  { ip: '203.0.113.66', count: 30, dkim: [{ d: 'example.com', result: 'fail' }], evaluated: ['fail', 'fail'] },
  { ip: '203.0.113.67', count: 9, headerFrom: 'news.example.com', evaluated: ['fail', 'fail'] },
  { ip: '10.1.2.3', count: 6, evaluated: ['fail', 'fail'] },
  { ip: '185.70.40.1', count: 4, dkim: [{ d: 'evil.example' }], evaluated: ['fail', 'fail'] },
];
const DAY2_RECORDS: AdviceRecord[] = [
  { ip: '192.0.2.10', count: 300, dkim: [{ d: 'example.com' }], headerFrom: 'news.example.com' },
  { ip: '167.89.1.1', count: 10, dkim: [{ d: 'sendgrid.net', s: 's1' }], evaluated: ['fail', 'fail'] },
  { ip: '198.51.100.7', count: 5, evaluated: ['fail', 'fail'], reasons: ['mailing_list', 'local_policy'] },
];

interface StoredRecord {
  ip: string | null;
  count: number;
  dkim: string | null;
  spf: string | null;
  header_from: string | null;
  reason_types: string[];
  reporter: string;
  day: string;
}

/** The stored (parsed) records of a domain, read plainly: the independent side of the comparisons. */
async function storedRecords(t: TestDatabase, orgId: number, domain: string): Promise<StoredRecord[]> {
  const r = await t.db.query<StoredRecord>(
    `SELECT host(c.source_ip) AS ip, c.count::int8 AS count, c.dkim, c.spf, c.header_from, c.reason_types,
       r.reporter, r.day::text AS day
     FROM records c JOIN reports r ON r.id = c.report_id WHERE r.org_id = $1 AND r.domain = $2`,
    [orgId, domain],
  );
  return r.rows.map((x) => ({ ...x, count: Number(x.count) }));
}

const passes = (r: StoredRecord) => r.dkim === 'pass' || r.spf === 'pass';
const total = (rs: StoredRecord[]) => rs.reduce((a, r) => a + r.count, 0);
const classOf = (a: Advice, c: string) => a.classification.find((x) => x.class === c)!;

describe('advice: classification, simulation, verdict', () => {
  let t: TestDatabase;
  let dir: string;
  let otherOrg: number;

  beforeAll(async () => {
    t = await openPglite();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-advice-'));
    const other = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-advice-other-'));
    await fs.writeFile(
      path.join(dir, 'a.xml'),
      adviceReportXml({ reportId: 'a1', begin: DAY1, records: DAY1_RECORDS, reporter: 'google.com' }),
    );
    await fs.writeFile(
      path.join(dir, 'b.xml'),
      adviceReportXml({ reportId: 'b1', begin: DAY2, records: DAY2_RECORDS, reporter: 'Yahoo', p: 'quarantine' }),
    );
    // another organisation's report for the same domain: all spoofing from one address
    await fs.writeFile(
      path.join(other, 'c.xml'),
      adviceReportXml({
        reportId: 'c1',
        begin: DAY1,
        records: [{ ip: '203.0.113.99', count: 777, evaluated: ['fail', 'fail'] }],
      }),
    );
    const config = loadConfig({ DMARC_DATA_DIR: dir, DMARC_LOG_LEVEL: 'silent' });
    const s = await importFiles(t.db, [dir], { orgId: DEFAULT_ORG_ID, limits: config.limits, sink: NO_SINK });
    expect(s.reports).toBe(2);
    otherOrg = (await createOrg(t.db, 'other-org')).id;
    await importFiles(t.db, [other], { orgId: otherOrg, limits: config.limits, sink: NO_SINK });
    await upsertEnrichments(t.db, ENRICHED);
    expect((await runIdentification(t.db, { orgId: DEFAULT_ORG_ID, scope: 'all' })).done).toBe(true);
    await putSenderRule(
      t.db,
      DEFAULT_ORG_ID,
      'example.com',
      { kind: 'cidr', value: '10.1.0.0/16', verdict: 'own', name: 'our relays' },
      null,
    );
    await putSenderRule(
      t.db,
      DEFAULT_ORG_ID,
      null,
      { kind: 'base_domain', value: 'evil.example', verdict: 'not_ours' },
      null,
    );
  });
  afterAll(async () => {
    await t?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('puts every source in its class, and the classes sum to the domain messages', async () => {
    const a = await advise(t.db, { orgId: DEFAULT_ORG_ID, domain: 'example.com' });
    const recs = await storedRecords(t, DEFAULT_ORG_ID, 'example.com');
    expect(a.messages).toBe(total(recs));
    expect(a.classification.reduce((x, c) => x + c.messages, 0)).toBe(total(recs));
    const expected: Record<string, number> = {};
    for (const r of recs) {
      const c = CLASS_OF[r.ip!] ?? (r.ip === '198.51.100.7' ? 'forwarded' : 'unexpected');
      expected[c] = (expected[c] ?? 0) + r.count;
    }
    for (const c of a.classification) expect([c.class, c.messages]).toEqual([c.class, expected[c.class] ?? 0]);
    expect(classOf(a, 'aligned').messages).toBe(800);
    expect(classOf(a, 'legitimate_unaligned')).toMatchObject({ messages: 70, sources: 2, senders: 2 });
    expect(classOf(a, 'forwarded')).toMatchObject({ messages: 40, sources: 4 });
    expect(classOf(a, 'spoofing')).toMatchObject({ messages: 43, sources: 3 });
    expect(classOf(a, 'own_infrastructure')).toMatchObject({ messages: 6, sources: 1, senders: 1 });
    expect(classOf(a, 'own_infrastructure').topSenders[0]).toMatchObject({ key: 'own:our relays', messages: 6 });
    const why = (c: string) => Object.fromEntries(classOf(a, c).evidence.map((e) => [e.why, e.messages]));
    expect(why('forwarded')).toEqual({
      'override:forwarded': 15,
      'override:mailing_list': 5,
      own_dkim_unaligned: 12,
      gateway: 8,
    });
    expect(why('spoofing')).toEqual({ unidentified: 39, not_ours: 4 });
    expect(why('legitimate_unaligned')).toEqual({ service_own_domain: 70 });
    expect(classOf(a, 'forwarded').evidence[0]!.reason).toContain('forwarded');
  });

  it('lists the blocking senders with their fix, from the catalogue where it has one', async () => {
    const a = await advise(t.db, { orgId: DEFAULT_ORG_ID, domain: 'example.com' });
    expect(a.blocking.map((b) => [b.key, b.messages])).toEqual([
      ['sendgrid', 50],
      ['amazon-ses', 20],
      ['own:our relays', 6],
    ]);
    const [sendgrid, ses, own] = a.blocking;
    expect(sendgrid!.fix).toContain('Domain Authentication for example.com in SendGrid');
    expect(sendgrid!.reason).toContain('signs DKIM with its own domain');
    // SES passed SPF only, for its own domain: the custom MAIL FROM is the fix beside DKIM
    expect(ses!.fix).toContain('custom MAIL FROM domain in Amazon SES');
    expect(ses!.fix).toContain('Easy DKIM');
    expect(own!.fix).toContain('DKIM key for example.com');
  });

  it('simulates quarantine and reject equal to an independent count over the records', async () => {
    const periods: { from?: string; to?: string }[] = [
      {},
      { from: '2026-01-02', to: '2026-01-02' },
      { from: '2026-01-01', to: '2026-01-01' },
    ];
    for (const f of periods) {
      const a = await advise(t.db, { orgId: DEFAULT_ORG_ID, domain: 'example.com', ...f });
      const recs = (await storedRecords(t, DEFAULT_ORG_ID, 'example.com')).filter(
        (r) => (f.from === undefined || r.day >= f.from) && (f.to === undefined || r.day <= f.to),
      );
      const failing = recs.filter((r) => !passes(r));
      const legit = failing.filter((r) => LEGIT.has(CLASS_OF[r.ip!] ?? ''));
      const sub = failing.filter((r) => r.header_from === 'news.example.com');
      const overridden = failing.filter((r) =>
        r.reason_types.some((x) => (FORWARDING_REASONS as readonly string[]).includes(x.toLowerCase())),
      );
      for (const policy of [a.simulation.quarantine, a.simulation.reject]) {
        expect(policy.messages).toBe(total(failing));
        expect(policy.legitimate).toBe(total(legit));
        expect(policy.other).toBe(total(failing) - total(legit));
        expect(policy.subdomains.legitimate + policy.subdomains.other).toBe(total(sub));
        expect(policy.overridden).toBe(total(overridden));
      }
      const byReporter = new Map<string, number>();
      for (const r of failing) byReporter.set(r.reporter, (byReporter.get(r.reporter) ?? 0) + r.count);
      expect(Object.fromEntries(a.simulation.byReporter.map((r) => [r.reporter, r.legitimate + r.other]))).toEqual(
        Object.fromEntries(byReporter),
      );
      expect(a.simulation.bySender.reduce((x, s) => x + s.messages, 0)).toBe(total(failing));
    }
  });

  it('gives a verdict and a plan from the published policy', async () => {
    const a = await advise(t.db, { orgId: DEFAULT_ORG_ID, domain: 'example.com' });
    // 76 legitimate failing of 959 (7.9 %): not ready
    expect(a.legitimateFailRate).toBeCloseTo(76 / 959, 6);
    expect(a.verdict).toBe('not_ready');
    // the latest report (Yahoo, day 2) published p=quarantine: step 3 is current and already hits legitimate mail
    expect(a.published?.p).toBe('quarantine');
    expect(a.plan.map((s) => s.status)).toEqual(['done', 'done', 'current', 'blocked', 'later']);
    expect(a.plan[3]!.requires[0]).toContain('SendGrid');
    expect(a.notes[0]).toContain('already applies to legitimate mail');
    // day 2 alone: 10 legitimate failing of 315, still over 2 %
    const d2 = await advise(t.db, {
      orgId: DEFAULT_ORG_ID,
      domain: 'example.com',
      from: '2026-01-02',
      to: '2026-01-02',
    });
    expect(d2.verdict).toBe('not_ready');
    // a period without reports
    const none = await advise(t.db, {
      orgId: DEFAULT_ORG_ID,
      domain: 'example.com',
      from: '2025-01-01',
      to: '2025-01-31',
    });
    expect(none).toMatchObject({ messages: 0, verdict: 'not_ready', published: null, blocking: [] });
    expect(none.plan.map((s) => s.status)).toEqual(['current', 'blocked', 'later', 'later', 'later']);
  });

  it('keeps organisations apart (queries and cache)', async () => {
    const cache = new MemoryCache(300);
    const answer = adviceAnswer(t.db, cache, 10_000);
    const mine = await answer({ orgId: DEFAULT_ORG_ID, domain: 'example.com' });
    const theirs = await answer({ orgId: otherOrg, domain: 'example.com' });
    expect(mine.value.messages).toBe(959);
    expect(theirs.value.messages).toBe(777);
    expect(classOf(theirs.value, 'spoofing').messages).toBe(777);
    expect(theirs.value.blocking).toEqual([]);
    // none of the other organisation's senders or rules leak in
    expect(JSON.stringify(theirs.value)).not.toContain('our relays');
    expect(JSON.stringify(mine.value)).not.toContain('203.0.113.99');
    const again = await answer({ orgId: otherOrg, domain: 'example.com' });
    expect(again.outcome).toBe('hit');
    expect(again.value.messages).toBe(777);
  });
});
