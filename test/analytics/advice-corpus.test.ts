// The advice on the whole report corpus (every file imported into one database): for every policy domain, the
// classes sum to the domain's messages (as the summary computes them from the rollups), and every failing message
// whose reporter gave a forwarding override reason lands in the forwarded class (no sender rules here: nothing
// takes precedence over the reason) — counted independently in plain TypeScript over the stored records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../../src/analytics/advice/advice.js';
import { FORWARDING_REASONS } from '../../src/analytics/advice/classify.js';
import { summarise } from '../../src/analytics/summary.js';
import { loadConfig } from '../../src/config/index.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { CORPUS_DIR } from '../support/manifest.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';

interface Rec {
  domain: string;
  count: number;
  dkim: string | null;
  spf: string | null;
  reason_types: string[];
}

describe('advice on the corpus', () => {
  let t: TestDatabase;
  let recs: Rec[];

  beforeAll(async () => {
    t = await openPglite();
    const config = loadConfig({ DMARC_DATA_DIR: CORPUS_DIR, DMARC_LOG_LEVEL: 'silent' });
    const s = await importFiles(t.db, [CORPUS_DIR], { orgId: DEFAULT_ORG_ID, limits: config.limits, sink: NO_SINK });
    expect(s.reports).toBeGreaterThan(50);
    const r = await t.db.query<Rec>(
      `SELECT r.domain, c.count::int8 AS count, c.dkim, c.spf, c.reason_types
       FROM records c JOIN reports r ON r.id = c.report_id WHERE r.org_id = $1`,
      [DEFAULT_ORG_ID],
    );
    recs = r.rows.map((x) => ({ ...x, count: Number(x.count) }));
  }, 600_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('sums to every domain messages, and override reasons land in forwarded', async () => {
    const domains = [...new Set(recs.map((r) => r.domain))].sort();
    expect(domains.length).toBeGreaterThan(5);
    let withReasons = 0;
    for (const domain of domains) {
      const a = await advise(t.db, { orgId: DEFAULT_ORG_ID, domain });
      const summary = await summarise(t.db, { orgId: DEFAULT_ORG_ID, domain });
      const mine = recs.filter((r) => r.domain === domain);
      const messages = mine.reduce((x, r) => x + r.count, 0);
      expect([domain, a.messages]).toEqual([domain, summary.totals.messages]);
      expect([domain, a.classification.reduce((x, c) => x + c.messages, 0)]).toEqual([domain, messages]);
      const aligned = mine.filter((r) => r.dkim === 'pass' || r.spf === 'pass').reduce((x, r) => x + r.count, 0);
      expect([domain, a.classification.find((c) => c.class === 'aligned')!.messages]).toEqual([domain, aligned]);
      const overridden = mine
        .filter(
          (r) =>
            !(r.dkim === 'pass' || r.spf === 'pass') &&
            r.reason_types.some((x) => (FORWARDING_REASONS as readonly string[]).includes(x.toLowerCase())),
        )
        .reduce((x, r) => x + r.count, 0);
      const forwarded = a.classification.find((c) => c.class === 'forwarded')!;
      const byReason = forwarded.evidence
        .filter((e) => e.why.startsWith('override:'))
        .reduce((x, e) => x + e.messages, 0);
      expect([domain, byReason]).toEqual([domain, overridden]);
      expect(forwarded.messages).toBeGreaterThanOrEqual(overridden);
      if (overridden > 0) withReasons++;
      // the simulation counts every failing message
      expect(a.simulation.reject.messages).toBe(messages - aligned);
    }
    // the corpus has reporters that give override reasons
    expect(withReasons).toBeGreaterThan(0);
  }, 600_000);
});
