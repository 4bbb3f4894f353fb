// The identify-senders task on every engine: after reports are stored (the real "report stored" sink), their sources
// are enriched (shipped databases, reverse DNS against a loopback DNS server) and, when that run finishes, identified
// from the PTR, the AS and the DKIM/SPF evidence of the organisation's records; the identification is stored per
// organisation. Later reports add evidence; a new catalogue version and a refreshed enrichment re-identify; a run out
// of its budget hands over without doing an address twice; 'all' reads every record again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { SourceEnricher } from '../../src/enrich/enricher.js';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { CATALOGUE_VERSION } from '../../src/enrich/senders/catalogue-version.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { identifySendersTask, queueStaleIdentifications } from '../../src/jobs/tasks/identify-senders.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { reportStoredSink } from '../../src/runtime/report-sink.js';
import type { Database } from '../../src/store/database.js';
import { orgsNeedingIdentification, sendersCheckedUntil, storedSenders } from '../../src/store/source-senders.js';
import { runCli } from '../support/cli.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { reverseName, startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { storeReport } from '../support/report-xml.js';
import { senderReportXml, type SenderRecord } from '../support/sender-report.js';

const ZONE = {
  // SendGrid: its own PTR, forward-confirmed
  [reverseName('167.89.1.1')]: { PTR: ['o1.ptr1234.sendgrid.net'] },
  'o1.ptr1234.sendgrid.net': { A: ['167.89.1.1'] },
  // Google: PTR under google.com, confirmed
  [reverseName('209.85.220.41')]: { PTR: ['mail-sor-f41.google.com'] },
  'mail-sor-f41.google.com': { A: ['209.85.220.41'] },
  // a look-alike: the name is not SendGrid's, and it does not resolve back
  [reverseName('185.70.40.1')]: { PTR: ['sendgrid.net.evil.example'] },
  // a server of the customer's own, outside the catalogue
  [reverseName('81.2.69.160')]: { PTR: ['mx1.customer-example.net'] },
  'mx1.customer-example.net': { A: ['81.2.69.160'] },
};

const log = { warn: () => undefined, info: () => undefined, error: () => undefined };

async function rows(db: Database, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await db.query<Record<string, unknown>>(sql, params)).rows;
}

describe.each(availableEngines())('identify-senders on %s', (engine) => {
  let t: TestDatabase;
  let dns: TestDnsServer;
  let queue: InProcessQueue;
  let cache: MemoryCache;
  let seq = 0;

  const sink = () => reportStoredSink({ cache, enrichQueue: queue, log });
  const settle = async () => {
    // the sink queues without waiting, and enrich-sources queues identify-senders when it is done
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      await queue.drain();
    }
  };
  const store = async (orgId: number, records: SenderRecord[], domain = 'example.com') => {
    const xml = senderReportXml({ reportId: `r-${engine}-${++seq}`, records, domain });
    const r = await storeReport(t.db, orgId, xml, sink());
    expect(r.reportsStored).toBe(1);
  };
  const sender = async (orgId: number, ip: string) => (await storedSenders(t.db, orgId, [ip])).get(ip);
  /**
   * Time passes: the reports so far were stored four hours ago and identified two hours ago, past the margin
   * the watermark leaves for reports whose transaction was still open when a run began.
   */
  const age = async () => {
    for (const sql of [
      `UPDATE reports SET created_at = created_at - interval '4 hours'`,
      `UPDATE source_senders SET identified_at = identified_at - interval '2 hours'`,
      `UPDATE ip_enrichment SET looked_up_at = looked_up_at - interval '2 hours'`,
      `UPDATE ip_enrichment_checks SET checked_until = checked_until - interval '2 hours'`,
      `UPDATE source_sender_checks SET checked_until = checked_until - interval '2 hours'`,
    ]) {
      await t.db.query(sql);
    }
  };

  beforeAll(async () => {
    t = await openEngine(engine);
    dns = await startDnsServer(ZONE);
    const enricher = await SourceEnricher.open({
      ttlDays: 90,
      negativeTtlMs: 86_400_000,
      rdns: true,
      dns: { servers: [dns.address], timeoutMs: 1000, concurrency: 8 },
      cityDb: null,
    });
    cache = new MemoryCache(60);
    queue = new InProcessQueue({ history: new TaskHistory(t.db), backoffMs: 10 });
    queue.start(taskHandlers({ db: t.db, queue, cache, limits: DEFAULT_UNPACK_LIMITS, sink: sink(), enricher, log }));
  });
  afterAll(async () => {
    await queue?.close(5000);
    await dns?.close();
    await t?.drop();
  });

  it('after enrichment, each source is identified from its PTR, AS, DKIM and SPF, and stored', async () => {
    await store(DEFAULT_ORG_ID, [
      {
        ip: '167.89.1.1',
        count: 10,
        dkim: [
          { d: 'sendgrid.net', s: 's1' },
          { d: 'example.com', s: 'k9' },
        ],
      },
      { ip: '209.85.220.41', count: 5, dkim: [{ d: 'example.com', s: 'google' }], spf: [{ d: 'example.com' }] },
      // DKIM by Mailchimp that verified; no PTR for the address
      { ip: '198.2.128.10', count: 3, dkim: [{ d: 'mcsv.net', s: 'k1' }] },
      { ip: '185.70.40.1', count: 2, dkim: [{ d: 'sendgrid.net', result: 'fail' }] },
      { ip: '81.2.69.160', count: 7, spf: [{ d: 'example.com' }] },
      { ip: '10.0.0.1', count: 1 },
    ]);
    await settle();
    const runs = await rows(
      t.db,
      `SELECT name, state, org_id AS "orgId" FROM task_runs WHERE name IN ('enrich-sources', 'identify-senders')
       ORDER BY seq`,
    );
    expect(runs).toEqual([
      { name: 'enrich-sources', state: 'completed', orgId: DEFAULT_ORG_ID },
      { name: 'identify-senders', state: 'completed', orgId: DEFAULT_ORG_ID },
    ]);

    const sg = await sender(DEFAULT_ORG_ID, '167.89.1.1');
    expect(sg).toMatchObject({
      senderKey: 'sendgrid',
      sender: 'SendGrid (Twilio)',
      type: 'transactional',
      known: true,
      confidence: 'high',
      rulePtr: 'o1.ptr1234.sendgrid.net',
      catalogueVersion: CATALOGUE_VERSION,
      dkimDomains: ['example.com', 'sendgrid.net'],
      dkimSelectors: ['k9', 's1'],
    });
    expect(sg!.reason).toContain('PTR o1.ptr1234.sendgrid.net (forward-confirmed)');
    expect(sg!.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'ptr', value: 'o1.ptr1234.sendgrid.net', supports: true, fcrdns: true }),
        expect.objectContaining({ kind: 'dkim', value: 'sendgrid.net', supports: true }),
        expect.objectContaining({ kind: 'asn', value: '11377' }),
      ]),
    );
    expect(await sender(DEFAULT_ORG_ID, '209.85.220.41')).toMatchObject({ senderKey: 'google', confidence: 'high' });
    expect(await sender(DEFAULT_ORG_ID, '198.2.128.10')).toMatchObject({
      senderKey: 'mailchimp',
      known: true,
      rulePtr: null,
    });
    // a failed DKIM signature says nothing; the unconfirmed look-alike PTR is not SendGrid
    const evil = await sender(DEFAULT_ORG_ID, '185.70.40.1');
    expect(evil?.senderKey).not.toBe('sendgrid');
    expect(evil?.dkimDomains).toEqual([]);
    expect(evil?.rulePtr).toBeNull();
    expect(await sender(DEFAULT_ORG_ID, '81.2.69.160')).toMatchObject({
      senderKey: 'ptr:customer-example.net',
      sender: 'customer-example.net',
      known: false,
      confidence: null,
      spfDomains: ['example.com'],
    });
    expect(await sender(DEFAULT_ORG_ID, '10.0.0.1')).toMatchObject({ senderKey: 'unknown', type: 'unknown' });
    expect(await sendersCheckedUntil(t.db, DEFAULT_ORG_ID)).toBeInstanceOf(Date);
    expect(await orgsNeedingIdentification(t.db, CATALOGUE_VERSION)).not.toContain(DEFAULT_ORG_ID);
  });

  it('a later report adds its evidence to what was stored; others are not identified again', async () => {
    await age();
    const before = await sender(DEFAULT_ORG_ID, '209.85.220.41');
    await store(DEFAULT_ORG_ID, [{ ip: '198.2.128.10', count: 4, spf: [{ d: 'mcsv.net' }], dkim: [] }]);
    await settle();
    const mc = await sender(DEFAULT_ORG_ID, '198.2.128.10');
    expect(mc).toMatchObject({ senderKey: 'mailchimp', dkimDomains: ['mcsv.net'], spfDomains: ['mcsv.net'] });
    // DKIM and SPF agree now: two strong kinds
    expect(mc!.confidence).toBe('high');
    expect((await sender(DEFAULT_ORG_ID, '209.85.220.41'))!.identifiedAt).toEqual(before!.identifiedAt);
  });

  it('another catalogue version, or an enrichment refreshed since, identifies again', async () => {
    await age();
    await t.db.query(`UPDATE source_senders SET catalogue_version = 'old' WHERE org_id = $1 AND ip = '81.2.69.160'`, [
      DEFAULT_ORG_ID,
    ]);
    await t.db.query(`UPDATE ip_enrichment SET looked_up_at = now() WHERE ip = '167.89.1.1'`);
    expect(await orgsNeedingIdentification(t.db, CATALOGUE_VERSION)).toContain(DEFAULT_ORG_ID);
    const queued: string[] = [];
    const capture = { enqueue: async (name: string) => (queued.push(name), 'x') };
    expect(await queueStaleIdentifications(t.db, capture)).toEqual([DEFAULT_ORG_ID]);
    expect(queued).toEqual(['identify-senders']);
    const before = await sender(DEFAULT_ORG_ID, '209.85.220.41');
    const r = await runIdentification(t.db, { orgId: DEFAULT_ORG_ID, scope: 'new' });
    expect(r).toMatchObject({ identified: 2, done: true });
    expect((await sender(DEFAULT_ORG_ID, '81.2.69.160'))!.catalogueVersion).toBe(CATALOGUE_VERSION);
    expect((await sender(DEFAULT_ORG_ID, '209.85.220.41'))!.identifiedAt).toEqual(before!.identifiedAt);
    expect(await orgsNeedingIdentification(t.db, CATALOGUE_VERSION)).not.toContain(DEFAULT_ORG_ID);
  });

  it("'new' reads its pending addresses page by page, each once", async () => {
    await age();
    await t.db.query(`UPDATE source_senders SET catalogue_version = 'old' WHERE org_id = $1`, [DEFAULT_ORG_ID]);
    const stale = await rows(t.db, `SELECT count(*)::int AS n FROM source_senders WHERE org_id = $1`, [DEFAULT_ORG_ID]);
    const r = await runIdentification(t.db, { orgId: DEFAULT_ORG_ID, scope: 'new' }, { batchSize: 1, pageSize: 2 });
    expect(r).toMatchObject({ identified: (stale[0] as { n: number }).n, done: true });
    expect(await orgsNeedingIdentification(t.db, CATALOGUE_VERSION)).not.toContain(DEFAULT_ORG_ID);
  });

  it("'all' reads every record again, and a run out of its budget hands over without doing an address twice", async () => {
    await t.db.query(`UPDATE source_senders SET dkim_domains = '{}', sender_key = 'stale' WHERE org_id = $1`, [
      DEFAULT_ORG_ID,
    ]);
    let identified = 0;
    let runs = 0;
    let next: Parameters<typeof runIdentification>[1] | undefined = { orgId: DEFAULT_ORG_ID, scope: 'all' };
    while (next) {
      const r = await runIdentification(t.db, next, { budgetMs: 0, batchSize: 1, pageSize: 2 });
      identified += r.identified;
      runs++;
      next = r.next;
    }
    expect(runs).toBeGreaterThan(2);
    expect(identified).toBe(6);
    expect(await sender(DEFAULT_ORG_ID, '167.89.1.1')).toMatchObject({
      senderKey: 'sendgrid',
      dkimDomains: ['example.com', 'sendgrid.net'],
    });
    const stale = await rows(t.db, `SELECT count(*)::int AS n FROM source_senders WHERE sender_key = 'stale'`);
    expect(stale).toEqual([{ n: 0 }]);
  });

  it("an organisation's identification is its own: the same address, other evidence", async () => {
    const other = await createOrg(t.db, `other-${engine}`);
    await store(other.id, [{ ip: '167.89.1.1', count: 1, dkim: [{ d: 'mcsv.net', s: 'k1' }] }], 'other.example');
    await settle();
    const theirs = await sender(other.id, '167.89.1.1');
    expect(theirs).toMatchObject({ senderKey: 'sendgrid', dkimDomains: ['mcsv.net'] });
    expect((await sender(DEFAULT_ORG_ID, '167.89.1.1'))!.dkimDomains).not.toContain('mcsv.net');
    expect(await sender(other.id, '209.85.220.41')).toBeUndefined();
  });

  it('a payload that is not one fails at once', async () => {
    const run = (p: unknown) =>
      identifySendersTask.handler(
        {
          db: t.db,
          queue,
          cache,
          limits: DEFAULT_UNPACK_LIMITS,
          sink: sink(),
          jobs: undefined as never,
          imap: [],
          alerts: undefined as never,
          now: () => new Date(),
        },
        p as never,
      );
    for (const p of [
      { orgId: 'x', scope: 'new' },
      { orgId: 1, scope: 'some' },
      { orgId: 1, scope: 'new', startedAt: 'x' },
    ]) {
      await expect(run(p)).rejects.toMatchObject({ code: 'task_failed_permanently' });
    }
  });

  it.runIf(engine === 'postgres')('dmarc senders identify --all --json', async () => {
    const r = await runCli(['senders', 'identify', '--all', '--json'], { DATABASE_URL: t.url! });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ org: 'default', scope: 'all', identified: 6 });
  });
});
