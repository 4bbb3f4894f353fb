// The enrich-sources task on every engine: after a report is stored (through the real "report stored" sink), its
// source addresses are looked up (shipped databases, reverse DNS against a loopback server) and stored once per
// address; a burst of reports queues one run; later runs look up only what is new, stale or negative; a refresh
// looks up everything again; a run out of its budget hands over; and an organisation sees only its own sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { SourceEnricher, type EnrichSettings } from '../../src/enrich/enricher.js';
import { runEnrichment } from '../../src/enrich/enrich-sources.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { reportStoredSink } from '../../src/runtime/report-sink.js';
import type { Database } from '../../src/store/database.js';
import { checkedUntil, databaseNow, enrichmentFor } from '../../src/store/ip-enrichment.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { reverseName, startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { arfMessage } from '../support/failure-report.js';
import { reportXml, storeReport } from '../support/report-xml.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_FAILURE_PRIVACY } from '../../src/parse/failure/index.js';

/** A failure report (ARF) of a message from `ip`: an address no aggregate report names. */
function failureReport(ip: string, id: string): Buffer {
  return arfMessage({
    feedback: [
      'Feedback-Type: auth-failure',
      'User-Agent: test/1.0',
      'Version: 1',
      `Original-Envelope-Id: ${id}`,
      'Auth-Failure: dmarc',
      `Source-IP: ${ip}`,
      'Reported-Domain: example.com',
      'Arrival-Date: Mon, 30 Nov 2026 10:00:00 +0000',
    ].join('\r\n'),
    originalType: 'text/rfc822-headers',
    original: 'From: a@example.com\r\nSubject: hello',
  });
}

const ZONE = {
  [reverseName('8.8.8.8')]: { PTR: ['dns.google'] },
  'dns.google': { A: ['8.8.8.8', '8.8.4.4'], AAAA: ['2001:4860:4860::8888'] },
  [reverseName('2001:4860:4860:0:0:0:0:8888')]: { PTR: ['dns.google'] },
  [reverseName('209.85.220.41')]: { PTR: ['mail-sor-f41.google.com'] },
  'mail-sor-f41.google.com': { A: ['209.85.220.41'] },
  [reverseName('167.89.1.1')]: { PTR: ['o1.ptr1234.sendgrid.net'] },
  'o1.ptr1234.sendgrid.net': { A: ['167.89.1.1'] },
  [reverseName('149.72.1.1')]: { PTR: ['o2.ptr99.sendgrid.net'] },
  'o2.ptr99.sendgrid.net': { A: ['149.72.1.1'] },
  [reverseName('1.1.1.1')]: { PTR: ['one.one.one.one'] },
  'one.one.one.one': { A: ['1.0.0.1'] },
};

const FIRST = ['8.8.8.8', '209.85.220.41', '10.0.0.1', '2001:4860:4860::8888', '192.0.2.1', '1.1.1.1'];

const log = { warn: () => undefined, info: () => undefined, error: () => undefined };

async function rows(db: Database, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await db.query<Record<string, unknown>>(sql, params)).rows;
}

describe.each(availableEngines())('enrich-sources on %s', (engine) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let enricher: SourceEnricher;
  let queue: InProcessQueue;
  let settings: EnrichSettings;
  let seq = 0;

  const sink = () => reportStoredSink({ cache: new MemoryCache(60), enrichQueue: queue, log });
  /** The sink queues without waiting: let it, then wait for the queue. */
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 30));
    await queue.drain();
  };
  const store = async (orgId: number, ips: readonly string[]) => {
    const r = await storeReport(t.db, orgId, reportXml({ reportId: `r-${engine}-${++seq}`, ips }), sink());
    expect(r.reportsStored).toBe(1);
  };
  const queriesFor = (ip: string) => dns.queries.filter((q) => q.startsWith(reverseName(ip))).length;

  beforeAll(async () => {
    t = await openEngine(engine);
    dns = await startDnsServer(ZONE);
    settings = {
      ttlDays: 90,
      negativeTtlMs: 86_400_000,
      rdns: true,
      dns: { servers: [dns.address], timeoutMs: 1000, concurrency: 8 },
      cityDb: null,
    };
    enricher = await SourceEnricher.open(settings);
    queue = new InProcessQueue({ history: new TaskHistory(t.db), backoffMs: 10 });
  });
  afterAll(async () => {
    await queue?.close(5000);
    await dns?.close();
    await t?.drop();
  });

  it('a burst of stored reports queues one run, which enriches every address of them', async () => {
    for (let i = 0; i < 4; i++) await store(DEFAULT_ORG_ID, i === 0 ? FIRST : FIRST.slice(i));
    await new Promise((r) => setTimeout(r, 30));
    const queued = await rows(t.db, `SELECT state FROM task_runs WHERE name = 'enrich-sources'`);
    expect(queued).toHaveLength(1);
    queue.start(
      taskHandlers({
        db: t.db,
        queue,
        cache: new MemoryCache(60),
        limits: DEFAULT_UNPACK_LIMITS,
        sink: sink(),
        enricher,
      }),
    );
    await settle();
    const runs = await rows(
      t.db,
      `SELECT state, org_id AS "orgId", result FROM task_runs WHERE name = 'enrich-sources'`,
    );
    expect(runs).toEqual([
      {
        state: 'completed',
        orgId: DEFAULT_ORG_ID,
        // no watermark yet: the organisation's every source (its first run)
        result: {
          orgId: DEFAULT_ORG_ID,
          scope: 'new',
          enriched: 6,
          scanned: 6,
          done: true,
          dnsTimeouts: 0,
          dnsShortCircuited: 0,
        },
      },
    ]);

    const e = await enrichmentFor(t.db, DEFAULT_ORG_ID, FIRST);
    expect(e.size).toBe(FIRST.length);
    expect(e.get('8.8.8.8')).toMatchObject({
      country: 'US',
      countryName: 'United States',
      asn: 15169,
      asOrg: 'Google LLC',
      ptr: 'dns.google',
      fcrdns: true,
      baseDomain: 'dns.google',
      reserved: null,
      dnsStatus: 'ok',
    });
    expect(e.get('209.85.220.41')).toMatchObject({
      asn: 15169,
      ptr: 'mail-sor-f41.google.com',
      fcrdns: true,
      baseDomain: 'google.com',
    });
    expect(e.get('2001:4860:4860::8888')).toMatchObject({ asn: 15169, ptr: 'dns.google', fcrdns: true });
    expect(e.get('1.1.1.1')).toMatchObject({ asn: 13335, ptr: 'one.one.one.one', fcrdns: false });
    expect(e.get('10.0.0.1')).toMatchObject({ reserved: 'private', dnsStatus: 'skipped', country: null, asn: null });
    expect(e.get('192.0.2.1')).toMatchObject({ reserved: 'documentation', dnsStatus: 'skipped' });
    expect(e.get('8.8.8.8')!.lookedUpAt).toBeInstanceOf(Date);
    // one lookup per address, however many reports named it
    expect(queriesFor('8.8.8.8')).toBe(1);
    expect(queriesFor('1.1.1.1')).toBe(1);
    expect(dns.queries.some((q) => q.startsWith(reverseName('10.0.0.1')))).toBe(false);
    expect(await checkedUntil(t.db, DEFAULT_ORG_ID)).toBeInstanceOf(Date);
  });

  it('the next report: only its new addresses are looked up', async () => {
    const before = dns.queries.length;
    await store(DEFAULT_ORG_ID, ['8.8.8.8', '167.89.1.1', '10.0.0.1']);
    await settle();
    expect(queriesFor('8.8.8.8')).toBe(1);
    expect(queriesFor('167.89.1.1')).toBe(1);
    // its PTR and the forward confirmation of the name
    expect(dns.queries.length - before).toBe(2);
    const e = await enrichmentFor(t.db, DEFAULT_ORG_ID, ['167.89.1.1']);
    expect(e.get('167.89.1.1')).toMatchObject({ ptr: 'o1.ptr1234.sendgrid.net', baseDomain: 'sendgrid.net' });
  });

  it('stale rows, and negative answers after the shorter period, are looked up again', async () => {
    await store(DEFAULT_ORG_ID, ['45.12.1.200']); // no PTR: nxdomain
    await settle();
    expect((await enrichmentFor(t.db, DEFAULT_ORG_ID, ['45.12.1.200'])).get('45.12.1.200')?.dnsStatus).toBe('nxdomain');
    await t.db.query(`UPDATE ip_enrichment SET looked_up_at = now() - interval '100 days' WHERE ip = '8.8.8.8'`);
    await t.db.query(`UPDATE ip_enrichment SET looked_up_at = now() - interval '2 days' WHERE ip = '45.12.1.200'`);
    // a settled answer younger than the refresh period stays
    await t.db.query(`UPDATE ip_enrichment SET looked_up_at = now() - interval '2 days' WHERE ip = '209.85.220.41'`);
    await store(DEFAULT_ORG_ID, ['8.8.8.8', '45.12.1.200', '209.85.220.41']);
    await settle();
    expect(queriesFor('8.8.8.8')).toBe(2);
    expect(queriesFor('45.12.1.200')).toBe(2);
    expect(queriesFor('209.85.220.41')).toBe(1);
    const fresh = await rows(
      t.db,
      `SELECT host(ip) AS ip FROM ip_enrichment WHERE looked_up_at > now() - interval '1 hour' ORDER BY 1`,
    );
    expect(fresh.map((r) => r.ip)).toEqual(expect.arrayContaining(['8.8.8.8', '45.12.1.200']));
    expect(fresh.map((r) => r.ip)).not.toContain('209.85.220.41');
  });

  it('a failed lookup keeps the PTR name known from before', async () => {
    const dead = await startDnsServer({}, { hold: true });
    try {
      const offline = await SourceEnricher.open({
        ...settings,
        dns: { ...settings.dns, servers: [dead.address], timeoutMs: 200 },
      });
      const now = await databaseNow(t.db);
      const r = await runEnrichment(t.db, offline, {
        orgId: DEFAULT_ORG_ID,
        scope: 'all',
        refreshBefore: now.toISOString(),
      });
      expect(r.done).toBe(true);
      const e = await enrichmentFor(t.db, DEFAULT_ORG_ID, ['8.8.8.8', '10.0.0.1']);
      expect(e.get('8.8.8.8')).toMatchObject({ dnsStatus: 'timeout', ptr: 'dns.google', fcrdns: true, asn: 15169 });
      expect(e.get('8.8.8.8')!.lookedUpAt.getTime()).toBeGreaterThanOrEqual(now.getTime());
      expect(e.get('10.0.0.1')).toMatchObject({ dnsStatus: 'skipped' });
    } finally {
      await dead.close();
    }
  });

  it('a refresh (--all) looks up every address again, in runs that hand over when out of budget', async () => {
    const all = (await rows(t.db, `SELECT DISTINCT host(source_ip) AS ip FROM rollup_source_daily WHERE org_id = 1`))
      .length;
    const refreshBefore = (await databaseNow(t.db)).toISOString();
    let run = { orgId: DEFAULT_ORG_ID, scope: 'all' as const, refreshBefore };
    let parts = 0;
    let enriched = 0;
    for (;;) {
      const r = await runEnrichment(t.db, enricher, run, { budgetMs: 0, pageSize: 3, batchSize: 2 });
      parts++;
      enriched += r.enriched;
      if (r.done) break;
      expect(r.next).toMatchObject({ scope: 'all', refreshBefore, after: expect.any(String) });
      run = r.next as typeof run;
    }
    expect(parts).toBe(Math.floor(all / 3) + 1);
    expect(enriched).toBe(all);
    const stale = await rows(t.db, `SELECT ip FROM ip_enrichment WHERE looked_up_at < $1`, [refreshBefore]);
    expect(stale).toEqual([]);
    // first, stale, this refresh (the failed lookup went to another server)
    expect(queriesFor('8.8.8.8')).toBe(3);
  });

  it('addresses only failure reports name are enriched too, after the next run', async () => {
    const ip = '149.72.1.1';
    expect((await enrichmentFor(t.db, DEFAULT_ORG_ID, [ip])).size).toBe(0);
    const bytes = failureReport(ip, `env-${engine}`);
    const failures = DEFAULT_FAILURE_PRIVACY;
    const intake = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes, name: 'ruf.eml', source: 'cli', failures });
    const r = await processFile(
      t.db,
      { orgId: DEFAULT_ORG_ID, fileId: intake.fileId },
      { limits: DEFAULT_UNPACK_LIMITS, sink: sink(), failures },
    );
    expect(r, JSON.stringify(r)).toMatchObject({ kind: 'failure', reportsStored: 1 });
    await settle();
    const e = (await enrichmentFor(t.db, DEFAULT_ORG_ID, [ip])).get(ip);
    expect(e).toMatchObject({ ptr: 'o2.ptr99.sendgrid.net', fcrdns: true, baseDomain: 'sendgrid.net' });
    expect(queriesFor(ip)).toBe(1);
    // a refresh pages over it too (beside the aggregate reports' addresses), once
    const refreshBefore = (await databaseNow(t.db)).toISOString();
    let run = { orgId: DEFAULT_ORG_ID, scope: 'all' as const, refreshBefore };
    for (;;) {
      const next = await runEnrichment(t.db, enricher, run, { budgetMs: 0, pageSize: 2, batchSize: 2 });
      if (next.done) break;
      run = next.next as typeof run;
    }
    expect(queriesFor(ip)).toBe(2);
    // another organisation's failure report does not show it this one's
    const other = await createOrg(t.db, `ruf-other-${engine}`);
    expect((await enrichmentFor(t.db, other.id, [ip])).size).toBe(0);
  });

  it('an organisation sees the enrichment of its own sources only', async () => {
    const other = await createOrg(t.db, `other-${engine}`);
    expect((await enrichmentFor(t.db, other.id, FIRST)).size).toBe(0);
    const before = queriesFor('8.8.8.8');
    await store(other.id, ['8.8.8.8']);
    await settle();
    const e = await enrichmentFor(t.db, other.id, [...FIRST, 'not an address', '']);
    expect([...e.keys()]).toEqual(['8.8.8.8']);
    // the shared row served the other organisation: no second lookup
    expect(queriesFor('8.8.8.8')).toBe(before);
    const runs = await rows(
      t.db,
      `SELECT org_id AS "orgId" FROM task_runs WHERE name = 'enrich-sources' AND org_id = $1`,
      [other.id],
    );
    expect(runs).toHaveLength(1);
  });

  it('a payload that is not one fails the run for good', async () => {
    const handlers = taskHandlers({
      db: t.db,
      queue,
      cache: new MemoryCache(60),
      limits: DEFAULT_UNPACK_LIMITS,
      sink: sink(),
      enricher,
    });
    await expect(handlers['enrich-sources']({ orgId: 1, scope: 'everything' } as never)).rejects.toThrow(
      /invalid payload/,
    );
    await expect(
      taskHandlers({ db: t.db, queue, cache: new MemoryCache(60), limits: DEFAULT_UNPACK_LIMITS, sink: sink() })[
        'enrich-sources'
      ]({ orgId: 1, scope: 'new' }),
    ).rejects.toThrow(/no IP enrichment/);
  });
});
