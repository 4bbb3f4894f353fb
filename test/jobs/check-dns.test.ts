// check-dns: the daily task checks every domain of an organisation against a DNS server on loopback, keeps each
// check in the history, and records a change (policy weakened, SPF broken, selector gone, record removed) that
// the dns_change alert rule fires on; the platform-wide run queues one run per organisation; an organisation never
// sees another's checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/alerts/evaluate.js';
import { ruleTypeNamed } from '../../src/alerts/rules/index.js';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig } from '../../src/config/index.js';
import { checkDnsTask } from '../../src/jobs/tasks/check-dns.js';
import type { RunContext, TaskQueue } from '../../src/jobs/tasks/define.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { dnsCheckHistory, latestDnsCheck } from '../../src/store/dns-checks.js';
import { storeReports } from '../alerts/support.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DNS_TEST_HOST, testZone } from '../support/dns-zone.js';
import { NO_SINK, createOrg } from '../support/org.js';

const DAY1 = new Date('2026-03-10T04:20:00Z');
const DAY2 = new Date('2026-03-11T04:20:00Z');

describe('the check-dns task and the dns_change rule', () => {
  let t: TestDatabase;
  let before: TestDnsServer;
  let after: TestDnsServer;
  let orgA: number;
  let orgB: number;
  const queued: { name: string; payload: object }[] = [];
  const queue: TaskQueue = {
    enqueue: (name, payload) => {
      queued.push({ name, payload });
      return Promise.resolve(String(queued.length));
    },
  };

  const ctx = (server: TestDnsServer, now: Date): RunContext => {
    const c = loadConfig({});
    return {
      db: t.db,
      queue,
      cache: new MemoryCache(60),
      limits: DEFAULT_UNPACK_LIMITS,
      sink: NO_SINK,
      jobs: c.jobs,
      imap: [],
      alerts: c.alerts,
      now: () => now,
      dns: { servers: [server.address], timeoutMs: 500 },
    };
  };

  beforeAll(async () => {
    t = await openPglite();
    orgA = (await createOrg(t.db, 'dns-a')).id;
    orgB = (await createOrg(t.db, 'dns-b')).id;
    // the reports sign with selector s1 (test/alerts/support.ts)
    await storeReports(t.db, orgA, [
      {
        domain: 'goodmail.com',
        day: '2026-03-09',
        p: 'reject',
        sp: 'reject',
        records: [{ ip: '192.0.2.7', count: 5 }],
      },
    ]);
    await storeReports(t.db, orgB, [
      { domain: 'keys.com', day: '2026-03-09', p: 'reject', records: [{ ip: '192.0.2.8', count: 3 }] },
    ]);
    before = await startDnsServer(testZone(), { host: DNS_TEST_HOST });
    const zone = testZone();
    zone['_dmarc.goodmail.com'] = { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@goodmail.com'] };
    zone['goodmail.com'] = { TXT: ['v=spf1 include:gone.sender.net -all'] };
    delete zone['s1._domainkey.goodmail.com'];
    after = await startDnsServer(zone, { host: DNS_TEST_HOST });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
    await t?.drop();
  });

  it('the platform-wide run queues one run per organisation', async () => {
    const r = await checkDnsTask.handler(ctx(before, DAY1), {});
    expect(r).toMatchObject({ organisations: expect.any(Number) as number });
    const orgs = queued.filter((q) => q.name === 'check-dns').map((q) => (q.payload as { orgId: number }).orgId);
    expect(orgs).toEqual(expect.arrayContaining([orgA, orgB]));
  });

  it('a first check stores the records, the findings and no changes', async () => {
    queued.length = 0;
    const r = await checkDnsTask.handler(ctx(before, DAY1), { orgId: orgA });
    expect(r).toEqual({ orgId: orgA, domains: 1, changed: 0, errors: 0 });
    const c = (await latestDnsCheck(t.db, orgA, 'goodmail.com'))!;
    expect(c.trigger).toBe('scheduled');
    expect(c.checkedAt).toBe(DAY1.toISOString());
    expect(c.changes).toEqual([]);
    expect(c.records.dkim).toEqual([
      expect.objectContaining({ selector: 's1', status: 'found', bits: 2048, messages: 5 }),
    ]);
    expect(c.records.dmarc.tags).toMatchObject({ p: 'reject' });
    expect(queued).toEqual([]);
  });

  it('the next day: a weakened policy, broken SPF and a gone selector are changes; an alert check is queued', async () => {
    const r = await checkDnsTask.handler(ctx(after, DAY2), { orgId: orgA });
    expect(r).toMatchObject({ orgId: orgA, domains: 1, changed: 1 });
    const c = (await latestDnsCheck(t.db, orgA, 'goodmail.com'))!;
    expect(c.changes.map((x) => x.kind).sort()).toEqual(['policy_weakened', 'selector_gone', 'spf_broken']);
    // the reports still show p=reject: the DNS now says none
    expect(c.findings.map((f) => f.code)).toContain('dmarc_reports_differ');
    expect(queued).toEqual([{ name: 'check-alerts', payload: { orgId: orgA } }]);
    const h = await dnsCheckHistory(t.db, orgA, 'goodmail.com', { limit: 10 });
    expect(h.total).toBe(2);
    expect(h.items.map((i) => i.checkedAt)).toEqual([DAY2.toISOString(), DAY1.toISOString()]);
    const changesOnly = await dnsCheckHistory(t.db, orgA, 'goodmail.com', { limit: 10, changesOnly: true });
    expect(changesOnly.total).toBe(1);
  });

  it('the dns_change rule fires on the weakened policy, critical; not outside its window, nor for kinds not watched', async () => {
    const rule = (params: Record<string, unknown>) => ({ type: 'dns_change', domain: null, params });
    const b = await evaluateRule({ db: t.db, now: new Date(DAY2.getTime() + 3_600_000) }, orgA, rule({}));
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ domain: 'goodmail.com', subject: null, severity: 'critical' });
    expect(b[0]!.summary).toContain('p reject → none');
    const onlyAdded = await evaluateRule({ db: t.db, now: DAY2 }, orgA, rule({ kinds: ['record_added'] }));
    expect(onlyAdded).toEqual([]);
    const later = await evaluateRule({ db: t.db, now: new Date(DAY2.getTime() + 72 * 3_600_000) }, orgA, rule({}));
    expect(later).toEqual([]);
  });

  it('bad rule parameters are refused', () => {
    const params = ruleTypeNamed('dns_change')!.params;
    expect(params.safeParse({ kinds: ['policy_vanished'] }).success).toBe(false);
    expect(params.safeParse({ kinds: [] }).success).toBe(false);
    expect(params.safeParse({ windowHours: 0 }).success).toBe(false);
    expect(params.parse({})).toEqual({
      kinds: ['policy_weakened', 'record_removed', 'spf_broken', 'selector_gone'],
      windowHours: 48,
    });
  });

  it("an organisation never sees another's checks, nor its domains", async () => {
    await checkDnsTask.handler(ctx(before, DAY2), { orgId: orgB });
    expect(await latestDnsCheck(t.db, orgB, 'goodmail.com')).toBeNull();
    expect(await latestDnsCheck(t.db, orgA, 'keys.com')).toBeNull();
    expect((await dnsCheckHistory(t.db, orgB, 'goodmail.com', { limit: 10 })).total).toBe(0);
    const b = await evaluateRule({ db: t.db, now: DAY2 }, orgB, { type: 'dns_change', domain: null, params: {} });
    expect(b).toEqual([]);
    const k = (await latestDnsCheck(t.db, orgB, 'keys.com'))!;
    // keys.com signs with s1 in its reports, which has no key there
    expect(k.findings.map((f) => f.code)).toContain('dkim_key_missing');
  });

  it('a check the DNS did not answer hides nothing: the next one is compared with the last known records', async () => {
    const orgC = (await createOrg(t.db, 'dns-c')).id;
    await storeReports(t.db, orgC, [
      { domain: 'goodmail.com', day: '2026-03-09', p: 'reject', records: [{ ip: '192.0.2.9', count: 2 }] },
    ]);
    const silent = await startDnsServer({}, { hold: true, host: DNS_TEST_HOST });
    try {
      await checkDnsTask.handler(ctx(before, DAY1), { orgId: orgC });
      const r = await checkDnsTask.handler(ctx(silent, DAY2), { orgId: orgC });
      expect(r).toMatchObject({ changed: 0 });
      const blind = (await latestDnsCheck(t.db, orgC, 'goodmail.com'))!;
      expect(blind.records.dmarc.status).toBe('unknown');
      expect(blind.changes).toEqual([]);
      expect(blind.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['dmarc_unchecked', 'spf_unchecked']));
      await checkDnsTask.handler(ctx(after, new Date(DAY2.getTime() + 86_400_000)), { orgId: orgC });
      const c = (await latestDnsCheck(t.db, orgC, 'goodmail.com'))!;
      expect(c.changes.map((x) => x.kind)).toContain('policy_weakened');
    } finally {
      silent.release();
      await silent.close();
    }
  });

  it('refuses a payload that is not one', async () => {
    await expect(checkDnsTask.handler(ctx(before, DAY1), { orgId: 1.5 })).rejects.toThrow(/invalid payload/);
  });
});
