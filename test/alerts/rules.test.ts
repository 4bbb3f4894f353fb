// Each rule type on generated data (reports stored through the pipeline; ingestion history rows at chosen
// times): data that breaches it and data that does not, and its boundaries — threshold, minimum volume, windows —
// with a controllable clock. Another organisation's data never counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/alerts/evaluate.js';
import type { Breach } from '../../src/alerts/model.js';
import { RULE_TYPE_NAMES, ruleTypeNamed } from '../../src/alerts/rules/index.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { daysBetween, putFetchRun, putFile, storeReports, type RecordSpec } from './support.js';

const NOW = new Date('2026-01-15T12:00:00Z');
const at = (iso: string) => new Date(iso);
const minutesBefore = (m: number, t = NOW) => new Date(t.getTime() - m * 60_000);

describe.each(availableEngines())('alert rule types on %s', (engine) => {
  let t: TestDatabase;
  let other: number;
  beforeAll(async () => {
    t = await openEngine(engine);
    other = (await createOrg(t.db, 'other-rules')).id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  const run = (
    type: string,
    params: Record<string, unknown> = {},
    opts: { domain?: string | null; now?: Date; orgId?: number } = {},
  ): Promise<Breach[]> =>
    evaluateRule({ db: t.db, now: opts.now ?? NOW }, opts.orgId ?? DEFAULT_ORG_ID, {
      type,
      domain: opts.domain ?? null,
      params,
    });
  const domainsOf = (b: Breach[]) => b.map((x) => x.domain);
  /** `n` messages from one source, `failing` of them failing DMARC. */
  const mix = (n: number, failing: number, ip = '192.0.2.10'): RecordSpec[] => [
    ...(n - failing > 0 ? [{ ip, count: n - failing }] : []),
    ...(failing > 0 ? [{ ip, count: failing, dkim: 'fail' as const, spf: 'fail' as const }] : []),
  ];

  it('the registry lists the types that work, each with defaults for every parameter', () => {
    expect([...RULE_TYPE_NAMES]).toEqual([
      'failure_rate',
      'volume_change',
      'new_sender',
      'sender_failing',
      'missing_reports',
      'policy_weakened',
      'ingest_failing',
      'dns_change',
      'anomaly',
    ]);
    expect(ruleTypeNamed('failure_rate')!.params.parse({})).toEqual({
      threshold: 0.1,
      windowHours: 24,
      minMessages: 100,
      criticalThreshold: null,
    });
    expect(ruleTypeNamed('new_sender')!.params.parse({})).toEqual({
      minMessages: 10,
      lookbackDays: 90,
      windowHours: 24,
    });
    for (const name of RULE_TYPE_NAMES) expect(ruleTypeNamed(name)!.params.safeParse({}).success).toBe(true);
    expect(ruleTypeNamed('anomaly')!.scope).toBe('organisation');
  });

  it('bad parameters are refused with the field that is wrong', async () => {
    const r = ruleTypeNamed('failure_rate')!.params.safeParse({ threshold: 1.5, unknown: 1 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual(['threshold', 'unrecognized_keys']);
    expect(ruleTypeNamed('missing_reports')!.params.safeParse({ historyDays: 5, minReportDays: 6 }).success).toBe(
      false,
    );
    expect(ruleTypeNamed('volume_change')!.params.safeParse({ factor: 1 }).success).toBe(false);
    await expect(run('failure_rate', { windowHours: 0 })).rejects.toThrow(/parameters not valid/);
    await expect(run('no_such_type')).rejects.toThrow(/unknown rule type/);
  });

  describe('failure_rate', () => {
    beforeAll(async () => {
      await storeReports(t.db, DEFAULT_ORG_ID, [
        { domain: 'fail-high.example', day: '2026-01-14', records: mix(1000, 200) },
        { domain: 'fail-low.example', day: '2026-01-14', records: mix(1000, 50) },
        // exactly at the threshold, and one message above it
        { domain: 'fail-at.example', day: '2026-01-15', records: mix(1000, 100) },
        { domain: 'fail-over.example', day: '2026-01-15', records: mix(1000, 101) },
        // 50 % failing, but 99 messages and 100 messages
        { domain: 'fail-few.example', day: '2026-01-14', records: mix(99, 50) },
        { domain: 'fail-enough.example', day: '2026-01-14', records: mix(100, 50) },
        // only outside the 24-hour window
        { domain: 'fail-old.example', day: '2026-01-13', records: mix(1000, 900) },
        { domain: 'fail-critical.example', day: '2026-01-14', records: mix(1000, 600) },
      ]);
      // another organisation's failures never count
      await storeReports(t.db, other, [{ domain: 'fail-low.example', day: '2026-01-14', records: mix(5000, 5000) }]);
    });

    it('breaches above the threshold with enough messages, within the window', async () => {
      const b = await run('failure_rate');
      expect(domainsOf(b)).toEqual([
        'fail-critical.example',
        'fail-enough.example',
        'fail-high.example',
        'fail-over.example',
      ]);
      const high = b.find((x) => x.domain === 'fail-high.example')!;
      expect(high.subject).toBeNull();
      expect(high.figures).toMatchObject({ messages: 1000, failed: 200, failureRate: 0.2, from: '2026-01-14' });
      expect(high.summary).toContain('20.0 % of 1,000 messages failed DMARC');
      expect(high.severity).toBeUndefined();
    });

    it('the threshold, the minimum volume and the window are boundaries', async () => {
      expect(domainsOf(await run('failure_rate', { threshold: 0.2 }))).toEqual([
        'fail-critical.example',
        'fail-enough.example',
      ]);
      expect(domainsOf(await run('failure_rate', { minMessages: 1001 }))).toEqual([]);
      expect(domainsOf(await run('failure_rate', { minMessages: 99 }))).toContain('fail-few.example');
      // 48 hours reach back to the 13th
      expect(domainsOf(await run('failure_rate', { windowHours: 48 }))).toContain('fail-old.example');
      // the window follows the clock: at midnight of the 16th, the 14th has left a 24-hour window
      expect(domainsOf(await run('failure_rate', {}, { now: at('2026-01-15T23:59:00Z') }))).toContain(
        'fail-high.example',
      );
      expect(domainsOf(await run('failure_rate', {}, { now: at('2026-01-16T00:00:00Z') }))).toEqual([
        'fail-over.example',
      ]);
    });

    it('past criticalThreshold a breach is critical; a rule of one domain sees that domain only', async () => {
      const b = await run('failure_rate', { criticalThreshold: 0.5 });
      expect(b.filter((x) => x.severity === 'critical').map((x) => x.domain)).toEqual(['fail-critical.example']);
      expect(domainsOf(await run('failure_rate', {}, { domain: 'fail-high.example' }))).toEqual(['fail-high.example']);
      expect(await run('failure_rate', {}, { domain: 'fail-low.example' })).toEqual([]);
      expect(domainsOf(await run('failure_rate', {}, { orgId: other }))).toEqual(['fail-low.example']);
    });
  });

  describe('volume_change', () => {
    // the clock's day checked: 2026-01-13 (ended 36 hours before noon of the 15th); baseline: the four Tuesdays before
    const baseline = ['2026-01-06', '2025-12-30', '2025-12-23', '2025-12-16'];
    beforeAll(async () => {
      const series = async (domain: string, base: number[], day: number | null) => {
        const specs = base.map((n, i) => ({ domain, day: baseline[i]!, records: [{ ip: '192.0.2.20', count: n }] }));
        if (day !== null) specs.push({ domain, day: '2026-01-13', records: [{ ip: '192.0.2.20', count: day }] });
        await storeReports(t.db, DEFAULT_ORG_ID, specs);
      };
      await series('vol-up.example', [100, 100, 100, 100], 400);
      await series('vol-at.example', [100, 100, 100, 100], 300);
      await series('vol-down.example', [1000, 1000, 1000, 1000], 300);
      await series('vol-gone.example', [1000, 1000, 1000, 1000], null);
      await series('vol-flat.example', [500, 480, 520, 500], 510);
      // one baseline day only (of four): no baseline
      await storeReports(t.db, DEFAULT_ORG_ID, [
        { domain: 'vol-new.example', day: '2026-01-06', records: [{ ip: '192.0.2.20', count: 100 }] },
        { domain: 'vol-new.example', day: '2026-01-13', records: [{ ip: '192.0.2.20', count: 5000 }] },
      ]);
      await series('vol-small.example', [10, 10, 10, 10], 50);
    });

    it('breaches up and down by more than the factor against the same weekday', async () => {
      const b = await run('volume_change');
      expect(domainsOf(b)).toEqual(['vol-down.example', 'vol-gone.example', 'vol-up.example']);
      expect(b.find((x) => x.domain === 'vol-up.example')!.figures).toMatchObject({
        day: '2026-01-13',
        messages: 400,
        baseline: 100,
        direction: 'up',
        baselineDays: baseline,
      });
      expect(b.find((x) => x.domain === 'vol-gone.example')!.figures).toMatchObject({ messages: 0, direction: 'down' });
    });

    it('the factor, the direction, the minimum volume and the settled day are boundaries', async () => {
      expect(domainsOf(await run('volume_change', { direction: 'up' }))).toEqual(['vol-up.example']);
      // four times: 400 is not above 4 × 100, 300 is not below 1000 / 4
      expect(domainsOf(await run('volume_change', { factor: 4 }))).toEqual(['vol-gone.example']);
      expect(domainsOf(await run('volume_change', { factor: 2.9 }))).toContain('vol-at.example');
      expect(domainsOf(await run('volume_change', { minMessages: 10 }))).toContain('vol-small.example');
      // with no settling time the day checked is the 14th, for which nothing came: every baseline is a Wednesday's
      expect(await run('volume_change', { settleHours: 0 })).toEqual([]);
    });
  });

  describe('new_sender', () => {
    beforeAll(async () => {
      await storeReports(t.db, DEFAULT_ORG_ID, [
        { domain: 'senders.example', day: '2026-01-01', records: [{ ip: '192.0.2.1', count: 500 }] },
        // seen once, 100 days ago: outside the 90-day lookback
        { domain: 'senders.example', day: '2025-10-05', records: [{ ip: '192.0.2.99', count: 5 }] },
        {
          domain: 'senders.example',
          day: '2026-01-14',
          records: [
            { ip: '192.0.2.1', count: 1000 },
            { ip: '203.0.113.9', count: 10, dkim: 'fail', spf: 'fail' },
            { ip: '203.0.113.10', count: 9 },
            { ip: '192.0.2.99', count: 12 },
            { ip: '2001:db8::25', count: 40 },
          ],
        },
        // a domain without history: its first senders are not news
        { domain: 'brand-new.example', day: '2026-01-14', records: [{ ip: '203.0.113.50', count: 1000 }] },
      ]);
    });

    it('breaches for a source unseen in the lookback sending at least minMessages, one per source', async () => {
      const b = await run('new_sender');
      expect(b.map((x) => [x.domain, x.subject])).toEqual([
        ['senders.example', '192.0.2.99'],
        ['senders.example', '2001:db8::25'],
        ['senders.example', '203.0.113.9'],
      ]);
      expect(b.find((x) => x.subject === '203.0.113.9')!.figures).toMatchObject({
        source: '203.0.113.9',
        sourceKind: 'ip',
        messages: 10,
        dmarcPass: 0,
        firstDay: '2026-01-14',
      });
    });

    it('minMessages and lookbackDays are boundaries', async () => {
      expect((await run('new_sender', { minMessages: 9 })).map((x) => x.subject)).toContain('203.0.113.10');
      expect((await run('new_sender', { minMessages: 11 })).map((x) => x.subject)).toEqual([
        '192.0.2.99',
        '2001:db8::25',
      ]);
      // a lookback of 102 days reaches the 5th of October: that source is known
      expect((await run('new_sender', { lookbackDays: 102 })).map((x) => x.subject)).not.toContain('192.0.2.99');
      // two days later the window holds none of it
      expect(await run('new_sender', {}, { now: at('2026-01-17T12:00:00Z') })).toEqual([]);
    });
  });

  describe('sender_failing', () => {
    beforeAll(async () => {
      const baselineDays = daysBetween('2025-12-20', '2026-01-10');
      const day = (d: string, records: RecordSpec[]) => ({ domain: 'failing.example', day: d, records });
      await storeReports(t.db, DEFAULT_ORG_ID, [
        // a day of the baseline: .1 always passed, .2 passed 89 %, .3 passed with 49 messages only
        day(baselineDays[0]!, [
          { ip: '198.51.100.1', count: 60 },
          ...mix(100, 11, '198.51.100.2'),
          { ip: '198.51.100.3', count: 49 },
          { ip: '198.51.100.4', count: 100 },
          { ip: '198.51.100.5', count: 100 },
        ]),
        day('2026-01-14', [
          ...mix(20, 12, '198.51.100.1'), // 40 % pass
          ...mix(20, 12, '198.51.100.2'),
          ...mix(20, 12, '198.51.100.3'),
          ...mix(20, 10, '198.51.100.4'), // exactly 50 %
          ...mix(19, 19, '198.51.100.5'), // 19 messages
        ]),
      ]);
    });

    it('breaches for a previously passing source whose pass rate dropped below the threshold', async () => {
      const b = await run('sender_failing');
      expect(b.map((x) => x.subject)).toEqual(['198.51.100.1']);
      expect(b[0]!.figures).toMatchObject({ messages: 20, dmarcPass: 8, passRate: 0.4, baselinePassRate: 1 });
      expect(b[0]!.summary).toContain('down from 100.0 %');
    });

    it('the thresholds and minimum volumes are boundaries', async () => {
      expect((await run('sender_failing', { threshold: 0.51 })).map((x) => x.subject)).toEqual([
        '198.51.100.1',
        '198.51.100.4',
      ]);
      expect((await run('sender_failing', { previousPassRate: 0.89 })).map((x) => x.subject)).toContain('198.51.100.2');
      expect((await run('sender_failing', { baselineMinMessages: 49 })).map((x) => x.subject)).toContain(
        '198.51.100.3',
      );
      expect((await run('sender_failing', { minMessages: 19 })).map((x) => x.subject)).toContain('198.51.100.5');
      expect(await run('sender_failing', { baselineDays: 3 })).toEqual([]);
    });
  });

  describe('missing_reports', () => {
    beforeAll(async () => {
      const history = daysBetween('2025-12-29', '2026-01-11'); // the 14 days before the gap (12th-14th)
      const reports = (reporter: string, days: string[]) =>
        days.map((day) => ({ domain: 'quiet.example', reporter, day, records: [{ ip: '192.0.2.5', count: 1 }] }));
      await storeReports(t.db, DEFAULT_ORG_ID, [
        ...reports('Gone Daily', history),
        ...reports('Still Here', [...history, '2026-01-12']),
        ...reports('Nine Days', history.slice(0, 9)),
        ...reports('Ten Days', history.slice(0, 10)),
      ]);
    });

    it('breaches for each daily reporter silent for the last days, one alert per reporter', async () => {
      const b = await run('missing_reports');
      expect(b.map((x) => x.subject)).toEqual(['Gone Daily', 'Ten Days']);
      expect(b[0]!.figures).toMatchObject({ lastReportDay: '2026-01-11', reportDays: 14, gapFrom: '2026-01-12' });
    });

    it('days and minReportDays are boundaries', async () => {
      expect((await run('missing_reports', { minReportDays: 9 })).map((x) => x.subject)).toContain('Nine Days');
      // a gap of 2 days starts on the 13th: the report of the 12th counts, and the history now ends on the 12th
      expect((await run('missing_reports', { days: 2, minReportDays: 14 })).map((x) => x.subject)).toEqual([
        'Still Here',
      ]);
      // a day earlier the gap began on the 11th: only the reporter silent since the 7th was missing
      expect((await run('missing_reports', {}, { now: at('2026-01-14T12:00:00Z') })).map((x) => x.subject)).toEqual([
        'Ten Days',
      ]);
    });
  });

  describe('policy_weakened', () => {
    beforeAll(async () => {
      const rep = (
        domain: string,
        day: string,
        policy: { p?: string; pct?: number; testing?: 'y' | 'n' },
        reporter?: string,
      ) => ({
        domain,
        day,
        reporter,
        records: [{ ip: '192.0.2.7', count: 1 }],
        ...policy,
      });
      await storeReports(t.db, DEFAULT_ORG_ID, [
        rep('weak-p.example', '2026-01-05', { p: 'reject' }),
        rep('weak-p.example', '2026-01-14', { p: 'none' }),
        // one reporter of the latest day still sees the old record: the day's strongest is reject
        rep('stale.example', '2026-01-05', { p: 'reject' }),
        rep('stale.example', '2026-01-14', { p: 'none' }, 'Stale Cache'),
        rep('stale.example', '2026-01-14', { p: 'reject' }, 'Fresh'),
        rep('weak-pct.example', '2026-01-05', { p: 'quarantine', pct: 100 }),
        rep('weak-pct.example', '2026-01-14', { p: 'quarantine', pct: 50 }),
        rep('testing.example', '2026-01-05', { p: 'reject', testing: 'n' }),
        rep('testing.example', '2026-01-14', { p: 'reject', testing: 'y' }),
        rep('stronger.example', '2026-01-05', { p: 'none' }),
        rep('stronger.example', '2026-01-14', { p: 'reject' }),
        // its latest report is 8 days old
        rep('old-news.example', '2025-12-20', { p: 'reject' }),
        rep('old-news.example', '2026-01-07', { p: 'none' }),
      ]);
    });

    it('breaches when p, pct or testing mode weakened on the latest day, at its strongest', async () => {
      const b = await run('policy_weakened');
      expect(b.map((x) => [x.domain, (x.figures as { changes: string[] }).changes])).toEqual([
        ['testing.example', ['testing mode switched on (t=y)']],
        ['weak-p.example', ['p reject → none', 'sp reject → none']],
        ['weak-pct.example', ['pct 100 → 50']],
      ]);
      expect(b[1]!.figures).toMatchObject({ day: '2026-01-14', before: { p: 'reject' }, now: { p: 'none' } });
    });

    it('the windows are boundaries', async () => {
      expect((await run('policy_weakened', { windowDays: 8 })).map((x) => x.domain)).toContain('old-news.example');
      // a lookback of 8 days does not reach the 5th
      expect(await run('policy_weakened', { lookbackDays: 8 })).toEqual([]);
    });
  });

  describe('ingest_failing', () => {
    let org: number;
    beforeAll(async () => {
      org = (await createOrg(t.db, 'ingest-rules')).id;
    });

    it('breaches when files have failed since the last good one for longer than the minutes', async () => {
      await putFile(t.db, org, 'processed', minutesBefore(200));
      await putFile(t.db, org, 'failed', minutesBefore(90), 'not_well_formed: XML is not well-formed');
      await putFile(t.db, org, 'failed', minutesBefore(10), 'corrupt_gzip: bad header');
      const b = await run('ingest_failing', {}, { orgId: org });
      expect(b.map((x) => x.subject)).toEqual(['files']);
      expect(b[0]!.domain).toBeNull();
      expect(b[0]!.figures).toMatchObject({ failedFiles: 2, latestError: 'corrupt_gzip: bad header' });
      expect(b[0]!.summary).toContain('for 90 minutes');
      // 91 minutes: not yet
      expect(await run('ingest_failing', { minutes: 91 }, { orgId: org })).toEqual([]);
      // failures older than the lookback are not looked at
      expect(await run('ingest_failing', {}, { orgId: org, now: new Date(NOW.getTime() + 25 * 3_600_000) })).toEqual(
        [],
      );
      // a file read well after the failures: ingestion works again
      await putFile(t.db, org, 'processed', minutesBefore(5));
      expect(await run('ingest_failing', {}, { orgId: org })).toEqual([]);
    });

    it('breaches for each mailbox whose fetches have failed since its last good one for longer than the minutes', async () => {
      await putFetchRun(t.db, org, 'reports@example.com', 'completed', minutesBefore(180));
      await putFetchRun(t.db, org, 'reports@example.com', 'failed', minutesBefore(120), 'ECONNREFUSED');
      await putFetchRun(t.db, org, 'reports@example.com', 'retrying', minutesBefore(15), 'Invalid credentials');
      await putFetchRun(t.db, org, 'fine@example.com', 'failed', minutesBefore(120), 'ETIMEDOUT');
      await putFetchRun(t.db, org, 'fine@example.com', 'completed', minutesBefore(60));
      await putFetchRun(t.db, org, 'new@example.com', 'failed', minutesBefore(30), 'ENOTFOUND');
      // the same mailbox name in another organisation
      await putFetchRun(t.db, other, 'fine@example.com', 'failed', minutesBefore(300), 'ECONNREFUSED');
      const b = await run('ingest_failing', {}, { orgId: org });
      expect(b.map((x) => x.subject)).toEqual(['mailbox:reports@example.com']);
      expect(b[0]!.figures).toMatchObject({ failedFetches: 2, latestError: 'Invalid credentials' });
      expect((await run('ingest_failing', { minutes: 30 }, { orgId: org })).map((x) => x.subject)).toEqual([
        'mailbox:new@example.com',
        'mailbox:reports@example.com',
      ]);
      expect((await run('ingest_failing', {}, { orgId: other })).map((x) => x.subject)).toEqual([
        'mailbox:fine@example.com',
      ]);
    });

    it('is about the organisation: a domain given to it is ignored', async () => {
      const b = await run('ingest_failing', { minutes: 30 }, { orgId: org, domain: 'x.example' });
      expect(b.length).toBeGreaterThan(0);
      expect(b.every((x) => x.domain === null)).toBe(true);
    });
  });
});
