// Issue 18's performance: new_sender and sender_failing read the look-back of each source of the window through
// the (org_id, domain, source_ip, day) index of the per-source rollup (migration 022) — a probe per source, an
// index-only range for a baseline — never by hashing a scan of the whole look-back. The plans are those of the
// rules' own statements (EXPLAINed, then run) on enough rows, analysed, that a planner without that index would
// scan; and the rules still find what they should on these rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/alerts/evaluate.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { explaining, type PlanNode } from '../support/query-plans.js';

const INDEX = 'rollup_source_daily_org_domain_source_idx';
const ORG = 1;
// the day after the 40 days of data, at noon: the 24-hour window holds the last day (day 39)
const NOW = new Date('2024-02-10T12:00:00Z');

describe.each(availableEngines())('the source rules’ plans on %s', (engine) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openEngine(engine);
    // 20 domains x 40 days x 60 addresses x 2 dispositions (96,000 rows), every address passing until the last
    // day, when its second row fails; and 5 addresses per domain seen on the last day only.
    await t.db.query(
      `INSERT INTO rollup_source_daily (org_id, domain, day, reporter, source_ip, disposition, dkim, spf,
         records, messages, dkim_auth_pass, spf_auth_pass)
       SELECT $1::bigint, 'example' || d || '.com', DATE '2024-01-01' + day, 'google.com',
         ('10.0.' || d || '.' || ip)::inet, CASE WHEN o = 0 THEN 'none' ELSE 'quarantine' END,
         CASE WHEN o = 0 OR day < 39 THEN 'pass' ELSE 'fail' END, 'fail', 1, 1 + ip, 0, 0
       FROM generate_series(0, 19) d, generate_series(0, 39) day, generate_series(1, 60) ip, generate_series(0, 1) o
       UNION ALL
       SELECT $1::bigint, 'example' || d || '.com', DATE '2024-01-01' + 39, 'google.com', ('10.0.' || d || '.' || ip)::inet,
         'none', 'pass', 'pass', 1, 50, 0, 0
       FROM generate_series(0, 19) d, generate_series(61, 65) ip`,
      [ORG],
    );
    // new_sender leaves domains without any earlier message alone: they have some
    await t.db.query(
      `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, records, messages)
       SELECT $1, 'example' || d || '.com', DATE '2024-01-01' + day, 'google.com', 'none', 'pass', 'pass', 1, 100
       FROM generate_series(0, 19) d, generate_series(0, 39) day`,
      [ORG],
    );
    await t.db.query('VACUUM ANALYZE rollup_source_daily');
    await t.db.query('VACUUM ANALYZE rollup_daily');
  }, 120_000);

  afterAll(async () => {
    await t?.drop();
  });

  const rules: [string, string, Record<string, unknown>, number][] = [
    // the 5 last-day-only addresses of each of the 20 domains
    ['new_sender', 'new_sender', {}, 100],
    ['new_sender, 30 days back', 'new_sender', { lookbackDays: 30 }, 100],
    // every recurring address: 100 % before, 50 % on the last day
    ['sender_failing', 'sender_failing', { threshold: 0.6, minMessages: 1 }, 1200],
  ];

  it.each(rules)(
    '%s reads the look-back through the index, never a Seq Scan of the table',
    async (_, type, params, n) => {
      const plans: PlanNode[][] = [];
      const breaches = await evaluateRule({ db: explaining(t.db, plans), now: NOW }, ORG, {
        type,
        domain: null,
        params,
      });
      expect(breaches).toHaveLength(n);
      expect(plans).toHaveLength(1);
      const all = plans.flat();
      expect(all.filter((x) => x['Index Name'] === INDEX).length).toBeGreaterThan(0);
      expect(all.filter((x) => x['Node Type'] === 'Seq Scan' && x['Relation Name'] === 'rollup_source_daily')).toEqual(
        [],
      );
    },
  );

  it('what they find: the new addresses with their messages; the failing ones with their baseline', async () => {
    const fresh = await evaluateRule({ now: NOW, db: t.db }, ORG, {
      type: 'new_sender',
      domain: 'example7.com',
      params: {},
    });
    expect(fresh.map((b) => b.subject)).toEqual(['10.0.7.61', '10.0.7.62', '10.0.7.63', '10.0.7.64', '10.0.7.65']);
    expect(fresh[0]!.figures).toMatchObject({ messages: 50, dmarcPass: 50, firstDay: '2024-02-09' });
    const failing = await evaluateRule({ now: NOW, db: t.db }, ORG, {
      type: 'sender_failing',
      domain: 'example7.com',
      params: { threshold: 0.6, minMessages: 1 },
    });
    expect(failing).toHaveLength(60);
    // 10.0.7.1: 2 messages a row; 2 rows a day, 30 baseline days passing, half of the last day's
    expect(failing[0]!).toMatchObject({
      subject: '10.0.7.1',
      figures: { messages: 4, dmarcPass: 2, baselineMessages: 120, baselinePassRate: 1 },
    });
  });
});
