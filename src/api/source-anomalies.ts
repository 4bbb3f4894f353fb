// The sources table marks the addresses the active anomaly model found anomalous in the period asked. Added to
// the page after the cached sources answer, not inside it: predictions change when detection runs, which does not
// touch the report data the cache is keyed on.
import type { ScopedFilter } from '../analytics/filters.js';
import { anomaliesOfIps, type SourceAnomaly } from '../store/ml-predictions.js';
import type { Queryable } from '../store/database.js';

export async function withAnomalies<T extends { sourceIp: string | null }>(
  db: Queryable,
  f: ScopedFilter,
  page: { items: T[]; total: number; nextCursor: string | null },
): Promise<{ items: (T & { anomaly: SourceAnomaly | null })[]; total: number; nextCursor: string | null }> {
  // reports without a period have no day to have been scored on
  const ips = f.period === 'none' ? [] : page.items.flatMap((s) => (s.sourceIp === null ? [] : [s.sourceIp]));
  const found = await anomaliesOfIps(db, f.orgId, ips, { from: f.from, to: f.to, domain: f.domain });
  return {
    ...page,
    items: page.items.map((s) => ({ ...s, anomaly: (s.sourceIp !== null && found.get(s.sourceIp)) || null })),
  };
}
