// The raw facts anomaly detection scores (analytics/anomaly/features.ts turns them into features): per source IP
// and day of one organisation, from its rollups (rollup_source_daily), with the address's public enrichment
// (ip_enrichment) and the organisation's identification of it (source_senders). Every statement names the
// organisation.
import { failsDmarc } from './dmarc-sql.js';
import type { Queryable } from './database.js';

export interface SourceDayFacts {
  ip: string;
  day: string;
  messages: number;
  dmarcFail: number;
  dkimAligned: number;
  spfAligned: number;
  quarantined: number;
  rejected: number;
  domains: string[];
  reporters: number;
  /** The first day the organisation's reports show the address (all its data). */
  firstDay: string;
  country: string | null;
  asn: number | null;
  asOrg: string | null;
  ptr: string | null;
  fcrdns: boolean | null;
  /** null: never enriched. */
  dnsStatus: string | null;
  /** null: not identified yet (identify-senders has not run for it). */
  senderKnown: boolean | null;
  sender: string | null;
  /** The share of the organisation's messages from the address's country (AS) over the reference window. */
  countryShare: number | null;
  asnShare: number | null;
}

export interface FactsWindow {
  from: string;
  to: string;
  /** Start of the window over which country and AS shares are counted (at most `from`). */
  referenceFrom: string;
}

/** The facts of every source IP and day from..to of the organisation, by day then address. */
export async function sourceDayFacts(db: Queryable, orgId: number, w: FactsWindow): Promise<SourceDayFacts[]> {
  const r = await db.query<SourceDayFacts>(
    `WITH days AS (
       SELECT s.source_ip AS ip, s.day,
         sum(s.messages)::float8 AS messages,
         coalesce(sum(s.messages) FILTER (WHERE ${failsDmarc('s')}), 0)::float8 AS "dmarcFail",
         coalesce(sum(s.messages) FILTER (WHERE s.dkim = 'pass'), 0)::float8 AS "dkimAligned",
         coalesce(sum(s.messages) FILTER (WHERE s.spf = 'pass'), 0)::float8 AS "spfAligned",
         coalesce(sum(s.messages) FILTER (WHERE s.disposition = 'quarantine'), 0)::float8 AS quarantined,
         coalesce(sum(s.messages) FILTER (WHERE s.disposition = 'reject'), 0)::float8 AS rejected,
         array_agg(DISTINCT s.domain ORDER BY s.domain) AS domains,
         count(DISTINCT s.reporter)::int4 AS reporters
       FROM rollup_source_daily s
       WHERE s.org_id = $1 AND s.day BETWEEN $2::date AND $3::date AND s.source_ip IS NOT NULL
       GROUP BY 1, 2
       HAVING sum(s.messages) > 0),
     first_seen AS (
       SELECT s.source_ip AS ip, min(s.day) AS first_day
       FROM rollup_source_daily s
       WHERE s.org_id = $1 AND s.source_ip IN (SELECT DISTINCT ip FROM days) AND s.day IS NOT NULL
       GROUP BY 1),
     reference AS (
       SELECT e.country, e.asn, sum(s.messages)::float8 AS messages
       FROM rollup_source_daily s LEFT JOIN ip_enrichment e ON e.ip = s.source_ip
       WHERE s.org_id = $1 AND s.day BETWEEN $4::date AND $3::date AND s.source_ip IS NOT NULL
       GROUP BY 1, 2),
     total AS (SELECT nullif(sum(messages), 0) AS messages FROM reference),
     by_country AS (SELECT country, sum(messages) / (SELECT messages FROM total) AS share
                    FROM reference WHERE country IS NOT NULL GROUP BY 1),
     by_asn AS (SELECT asn, sum(messages) / (SELECT messages FROM total) AS share
                FROM reference WHERE asn IS NOT NULL GROUP BY 1)
     SELECT host(d.ip) AS ip, to_char(d.day, 'YYYY-MM-DD') AS day, d.messages, d."dmarcFail", d."dkimAligned",
       d."spfAligned", d.quarantined, d.rejected, d.domains, d.reporters,
       to_char(coalesce(f.first_day, d.day), 'YYYY-MM-DD') AS "firstDay",
       e.country, e.asn, e.as_org AS "asOrg", e.ptr, e.fcrdns, e.dns_status AS "dnsStatus",
       ss.known AS "senderKnown", ss.sender,
       bc.share::float8 AS "countryShare", ba.share::float8 AS "asnShare"
     FROM days d
     LEFT JOIN first_seen f ON f.ip = d.ip
     LEFT JOIN ip_enrichment e ON e.ip = d.ip
     LEFT JOIN source_senders ss ON ss.org_id = $1 AND ss.ip = d.ip
     LEFT JOIN by_country bc ON bc.country = e.country
     LEFT JOIN by_asn ba ON ba.asn = e.asn
     ORDER BY d.day, d.ip`,
    [orgId, w.from, w.to, w.referenceFrom],
  );
  return r.rows;
}

/** The first and last day of the organisation's per-source rollups, or null when it has none. */
export async function sourceDaySpan(db: Queryable, orgId: number): Promise<{ first: string; last: string } | null> {
  const r = await db.query<{ first: string | null; last: string | null }>(
    `SELECT to_char(min(day), 'YYYY-MM-DD') AS first, to_char(max(day), 'YYYY-MM-DD') AS last
     FROM rollup_source_daily WHERE org_id = $1 AND source_ip IS NOT NULL AND messages > 0`,
    [orgId],
  );
  const row = r.rows[0];
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}
