// Per country of the sources (from their enrichment): volume, DMARC pass, sources. Sources not located (not
// enriched yet, reserved ranges, no readable address) are one item with country null, so that the items sum to
// the summary's messages.
import { countryName } from '../model/countries.js';
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, rollupConditions, where, type ScopedFilter } from './filters.js';

export interface CountryItem {
  /** ISO 3166-1 alpha-2; null: not located. */
  country: string | null;
  name: string | null;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  sources: number;
}

export async function countries(db: Queryable, f: ScopedFilter): Promise<CountryItem[]> {
  const p = new Params();
  const r = await db.query<{ country: string | null; messages: number; dmarc_pass: number; sources: number }>(
    `WITH per_ip AS MATERIALIZED (
       SELECT source_ip, sum(messages::float8) AS messages,
         coalesce(sum(messages::float8) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass
       FROM rollup_source_daily ${where(rollupConditions(f, p))}
       GROUP BY source_ip
     )
     SELECT e.country, sum(t.messages)::int8 AS messages, sum(t.dmarc_pass)::int8 AS dmarc_pass,
       count(*)::int8 AS sources
     FROM per_ip t LEFT JOIN ip_enrichment e ON e.ip = t.source_ip
     GROUP BY e.country
     ORDER BY messages DESC, e.country NULLS LAST`,
    p.values,
  );
  return r.rows.map((x) => ({
    country: x.country,
    name: countryName(x.country),
    messages: x.messages,
    dmarcPass: x.dmarc_pass,
    dmarcFail: x.messages - x.dmarc_pass,
    complianceRate: x.messages > 0 ? x.dmarc_pass / x.messages : null,
    sources: x.sources,
  }));
}
