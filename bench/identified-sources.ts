// The bench data set's sources enriched and identified once (what the senders and advice benches measure on):
// each distinct address gets the enrichment `enrichmentOf` gives it, then the real identification runs.
import { runIdentification } from '../src/enrich/identify-sources.js';
import type { Database } from '../src/store/database.js';
import { upsertEnrichments, type NewIpEnrichment } from '../src/store/ip-enrichment.js';
import { DEFAULT_ORG_ID } from './dataset.js';

/** Enriches and identifies the default organisation's sources unless a previous run did. */
export async function enrichAndIdentify(
  db: Database,
  enrichmentOf: (ip: string, n: number) => NewIpEnrichment,
): Promise<void> {
  const have = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM source_senders WHERE org_id = $1', [
    DEFAULT_ORG_ID,
  ]);
  if (Number(have.rows[0]!.n) > 0) return;
  const ips = await db.query<{ ip: string }>(
    'SELECT DISTINCT host(source_ip) AS ip FROM rollup_source_daily WHERE org_id = $1 AND source_ip IS NOT NULL',
    [DEFAULT_ORG_ID],
  );
  let t0 = Date.now();
  const rows = ips.rows.map((r, i) => enrichmentOf(r.ip, i));
  for (let i = 0; i < rows.length; i += 10_000) await upsertEnrichments(db, rows.slice(i, i + 10_000));
  console.log(
    `enriched ${rows.length.toLocaleString('en-US')} addresses in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  t0 = Date.now();
  const r = await runIdentification(db, { orgId: DEFAULT_ORG_ID, scope: 'all' });
  console.log(`identified ${r.identified.toLocaleString('en-US')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await db.query('ANALYZE');
}
