// Issue 17: the per-domain routes read a domain's window of the per-source rollup through its
// (org_id, domain, day) index (migration 021), not every domain's rows of the window. The plans are those of the
// routes' own queries (each statement that reads rollup_source_daily is EXPLAINed, then run), on enough rows,
// analysed, that a planner without that index would scan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countries } from '../../src/analytics/countries.js';
import { senders } from '../../src/analytics/senders.js';
import { sources } from '../../src/analytics/sources.js';
import { trends } from '../../src/analytics/trends.js';
import type { Queryable } from '../../src/store/database.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { explaining, type PlanNode } from '../support/query-plans.js';

const INDEX = 'rollup_source_daily_org_domain_day_idx';
const ORG = 1;

describe.each(availableEngines())('per-domain plans of the per-source rollup on %s', (engine) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openEngine(engine);
    // 20 domains x 90 days x 60 addresses x 2 outcomes: 216,000 rows, a domain's 30 days 1/60 of them.
    await t.db.query(
      `INSERT INTO rollup_source_daily (org_id, domain, day, reporter, source_ip, disposition, dkim, spf,
         records, messages, dkim_auth_pass, spf_auth_pass)
       SELECT $1, 'example' || d || '.com', DATE '2024-01-01' + day, 'google.com',
         ('10.0.' || d || '.' || ip)::inet, 'none', CASE WHEN o = 0 THEN 'pass' ELSE 'fail' END, 'fail',
         1, 1 + ip, 0, 0
       FROM generate_series(0, 19) d, generate_series(0, 89) day, generate_series(1, 60) ip, generate_series(0, 1) o`,
      [ORG],
    );
    await t.db.query('VACUUM ANALYZE rollup_source_daily');
  }, 120_000);

  afterAll(async () => {
    await t?.drop();
  });

  const filter = { orgId: ORG, domain: 'example7.com', from: '2024-02-01', to: '2024-03-01' };
  const routes: [string, (db: Queryable) => Promise<unknown>][] = [
    ['sources', (db) => sources(db, filter, { sort: 'messages', order: 'desc', limit: 10, offset: 0 })],
    [
      'sources, DMARC failing',
      (db) => sources(db, { ...filter, dmarc: 'fail' }, { sort: 'dmarcFail', order: 'desc', limit: 10, offset: 0 }),
    ],
    ['trends', (db) => trends(db, filter)],
    ['countries', (db) => countries(db, filter)],
    ['senders', (db) => senders(db, filter)],
  ];

  it.each(routes)('%s reads the domain window through the index, never a Seq Scan of the table', async (_, run) => {
    const plans: PlanNode[][] = [];
    await run(explaining(t.db, plans));
    expect(plans.length).toBeGreaterThan(0);
    const all = plans.flat();
    expect(all.filter((n) => n['Index Name'] === INDEX).length).toBeGreaterThan(0);
    expect(all.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'rollup_source_daily')).toEqual(
      [],
    );
  });

  it('answers from the window only: the figures are the domain window’s', async () => {
    const r = await sources(t.db, filter, { sort: 'messages', order: 'desc', limit: 1, offset: 0 });
    // 60 addresses of example7.com; the top one (10.0.7.60) sends 61 messages a row, 2 rows a day, 30 days
    // (2024-02-01..2024-03-01 is 30 days of the 90).
    expect(r.total).toBe(60);
    expect(r.items[0]).toMatchObject({ sourceIp: '10.0.7.60', messages: 61 * 2 * 30, domains: ['example7.com'] });
  });
});
