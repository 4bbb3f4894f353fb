// The per-IP enrichment cache (ip_enrichment): written by the enrich-sources task and `dmarc enrich`, read joined
// through an organisation's own rollups — an organisation only ever sees the rows of addresses that sent mail in
// its reports. Which addresses need a lookup: never looked up, older than the refresh period, a negative DNS answer
// older than the negative period, reverse DNS skipped while it was off and now on, or older than a refresh asked for.
import net from 'node:net';
import { countryName } from '../model/countries.js';
import { SETTLED_DNS_STATUSES, type IpEnrichment, type NewIpEnrichment } from '../model/ip-enrichment.js';
import type { Queryable } from './database.js';

export type { DnsStatus, IpEnrichment, NewIpEnrichment, ReservedKind } from '../model/ip-enrichment.js';

/** A stored enrichment with its country's name. */
export interface IpEnrichmentView extends IpEnrichment {
  countryName: string | null;
}

/** When a stored row needs looking up again. */
export interface Freshness {
  /** Any row older than this many seconds (DMARC_ENRICH_TTL_DAYS). */
  ttlSeconds: number;
  /** A row with a negative DNS answer older than this many seconds. */
  negativeTtlSeconds: number;
  /** Reverse DNS is on: rows stored while it was off need their lookup. */
  rdns: boolean;
  /** Every row looked up before this moment (a refresh asked for: `dmarc enrich --all`); null: none. */
  refreshBefore: Date | null;
}

const SETTLED = SETTLED_DNS_STATUSES.map((s) => `'${s}'`).join(', ');
/** Statuses that say nothing new about the PTR: a stored name is kept through them. */
const TRANSIENT = `'servfail', 'refused', 'timeout', 'error', 'off'`;

/** SQL: the row `e` (LEFT JOINed, so maybe absent) needs a lookup; parameters $n..$n+3 as freshnessParams. */
function needsLookup(n: number): string {
  return `(e.ip IS NULL
    OR e.looked_up_at < now() - $${n}::float8 * interval '1 second'
    OR (e.dns_status NOT IN (${SETTLED}) AND e.looked_up_at < now() - $${n + 1}::float8 * interval '1 second')
    OR (e.dns_status = 'off' AND $${n + 2}::boolean)
    OR e.looked_up_at < $${n + 3}::timestamptz)`;
}

function freshnessParams(f: Freshness): unknown[] {
  return [f.ttlSeconds, f.negativeTtlSeconds, f.rdns, f.refreshBefore?.toISOString() ?? null];
}

const COLUMNS = `host(e.ip) AS ip, e.country, e.asn, e.as_org AS "asOrg", e.region, e.city, e.latitude, e.longitude,
  e.ptr, e.fcrdns, e.base_domain AS "baseDomain", e.reserved, e.dns_status AS "dnsStatus",
  e.looked_up_at AS "lookedUpAt"`;

/**
 * The stored enrichment of those of `ips` that sent mail in the organisation's reports, aggregate or failure
 * (others, and addresses never enriched, are absent from the map). Keys are the addresses as given.
 */
export async function enrichmentFor(
  db: Queryable,
  orgId: number,
  ips: readonly string[],
): Promise<Map<string, IpEnrichmentView>> {
  const out = new Map<string, IpEnrichmentView>();
  if (ips.length === 0) return out;
  const r = await db.query<IpEnrichment & { given: string }>(
    `SELECT q.given, ${COLUMNS}
     FROM unnest($2::text[]) AS q(given)
     JOIN ip_enrichment e ON e.ip = q.given::inet
     WHERE EXISTS (SELECT 1 FROM rollup_source_daily s WHERE s.org_id = $1 AND s.source_ip = e.ip)
       OR EXISTS (SELECT 1 FROM failure_reports f WHERE f.org_id = $1 AND f.source_ip = e.ip)`,
    [orgId, [...new Set(ips)].filter(isInetText)],
  );
  for (const { given, ...row } of r.rows) out.set(given, { ...row, countryName: countryName(row.country) });
  return out;
}

/** An address PostgreSQL takes as an inet without an error (the caller's values may come from a URL). */
function isInetText(t: string): boolean {
  return net.isIP(t) !== 0;
}

const UPSERT_ROWS = 1000;

/** Stores enrichments (one statement per 1,000); looked_up_at is now. A failed lookup keeps a known PTR name. */
export async function upsertEnrichments(db: Queryable, rows: readonly NewIpEnrichment[]): Promise<void> {
  for (let i = 0; i < rows.length; i += UPSERT_ROWS) {
    const b = rows.slice(i, i + UPSERT_ROWS);
    const keep = (c: string) => `${c} = CASE WHEN EXCLUDED.dns_status IN (${TRANSIENT}) THEN ip_enrichment.${c}
      ELSE EXCLUDED.${c} END`;
    await db.query(
      `INSERT INTO ip_enrichment (ip, country, asn, as_org, region, city, latitude, longitude, ptr, fcrdns,
         base_domain, reserved, dns_status, looked_up_at)
       SELECT u.*, now() FROM unnest($1::inet[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[],
         $7::float8[], $8::float8[], $9::text[], $10::boolean[], $11::text[], $12::text[], $13::text[]) AS u
       ON CONFLICT (ip) DO UPDATE SET country = EXCLUDED.country, asn = EXCLUDED.asn, as_org = EXCLUDED.as_org,
         region = EXCLUDED.region, city = EXCLUDED.city, latitude = EXCLUDED.latitude,
         longitude = EXCLUDED.longitude, ${keep('ptr')}, ${keep('fcrdns')}, ${keep('base_domain')},
         reserved = EXCLUDED.reserved, dns_status = EXCLUDED.dns_status, looked_up_at = EXCLUDED.looked_up_at`,
      [
        b.map((r) => r.ip),
        b.map((r) => r.country),
        b.map((r) => r.asn),
        b.map((r) => r.asOrg),
        b.map((r) => r.region),
        b.map((r) => r.city),
        b.map((r) => r.latitude),
        b.map((r) => r.longitude),
        b.map((r) => r.ptr),
        b.map((r) => r.fcrdns),
        b.map((r) => r.baseDomain),
        b.map((r) => r.reserved),
        b.map((r) => r.dnsStatus),
      ],
    );
  }
}

/** The database's clock (the moment a run starts: what its watermark and refreshes are measured by). */
export async function databaseNow(db: Queryable): Promise<Date> {
  return (await db.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
}

/** Reports stored before this moment have had their sources enriched; null: never checked. */
export async function checkedUntil(db: Queryable, orgId: number): Promise<Date | null> {
  const r = await db.query<{ at: Date }>('SELECT checked_until AS at FROM ip_enrichment_checks WHERE org_id = $1', [
    orgId,
  ]);
  return r.rows[0]?.at ?? null;
}

/** Moves the organisation's watermark forward to `at` (never back). */
export async function setCheckedUntil(db: Queryable, orgId: number, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO ip_enrichment_checks (org_id, checked_until) SELECT id, $2 FROM organizations WHERE id = $1
     ON CONFLICT (org_id) DO UPDATE SET checked_until = GREATEST(ip_enrichment_checks.checked_until, EXCLUDED.checked_until)`,
    [orgId, at.toISOString()],
  );
}

/**
 * Up to `limit` addresses needing a lookup among the sources of the organisation's reports stored since `since`
 * (the records of those reports: their rollup rows may be shared with older reports; and the failure reports').
 */
export async function pendingIpsSince(
  db: Queryable,
  orgId: number,
  since: Date,
  f: Freshness,
  limit: number,
): Promise<string[]> {
  const r = await db.query<{ ip: string }>(
    `SELECT host(s.ip) AS ip FROM (
       SELECT c.source_ip AS ip FROM reports r JOIN records c ON c.report_id = r.id
       WHERE r.org_id = $1 AND r.created_at >= $2 AND c.source_ip IS NOT NULL
       UNION SELECT f.source_ip FROM failure_reports f
       WHERE f.org_id = $1 AND f.created_at >= $2 AND f.source_ip IS NOT NULL
     ) s LEFT JOIN ip_enrichment e ON e.ip = s.ip
     WHERE ${needsLookup(3)}
     ORDER BY s.ip LIMIT $7`,
    [orgId, since.toISOString(), ...freshnessParams(f), limit],
  );
  return r.rows.map((x) => x.ip);
}

/** How many sources of the organisation's reports stored since `since` need a lookup (for a progress bar). */
export async function countPendingIpsSince(db: Queryable, orgId: number, since: Date, f: Freshness): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int8 AS n FROM (
       SELECT c.source_ip AS ip FROM reports r JOIN records c ON c.report_id = r.id
       WHERE r.org_id = $1 AND r.created_at >= $2 AND c.source_ip IS NOT NULL
       UNION SELECT f.source_ip FROM failure_reports f
       WHERE f.org_id = $1 AND f.created_at >= $2 AND f.source_ip IS NOT NULL
     ) s LEFT JOIN ip_enrichment e ON e.ip = s.ip
     WHERE ${needsLookup(3)}`,
    [orgId, since.toISOString(), ...freshnessParams(f)],
  );
  return r.rows[0]!.n;
}

export interface SourcePage {
  /** The page's addresses that need a lookup. */
  pending: string[];
  /** The last address of the page (the cursor of the next), or null when the page was empty: the end. */
  last: string | null;
  /** Addresses on the page. */
  scanned: number;
}

/** One page (in address order, after `after`) of the organisation's source addresses, and which need a lookup. */
export async function pendingIpsPage(
  db: Queryable,
  orgId: number,
  after: string | null,
  f: Freshness,
  pageSize: number,
): Promise<SourcePage> {
  // one row: the page's size and last address, and the addresses that need a lookup as one array (a backfill's
  // pages are mostly fresh rows; sending them all back costs more than the query)
  const r = await db.query<{ last: string | null; scanned: number; pending: string[] | null }>(
    // each side limited before the union: the page's addresses are among the first of each, and each side reads
    // its (org_id, source_ip) index in order instead of the whole table
    `WITH page AS (
       (SELECT DISTINCT source_ip AS ip FROM rollup_source_daily
        WHERE org_id = $1 AND source_ip IS NOT NULL AND ($2::inet IS NULL OR source_ip > $2::inet)
        ORDER BY 1 LIMIT $7)
       UNION
       (SELECT DISTINCT source_ip FROM failure_reports
        WHERE org_id = $1 AND source_ip IS NOT NULL AND ($2::inet IS NULL OR source_ip > $2::inet)
        ORDER BY 1 LIMIT $7)
       ORDER BY 1 LIMIT $7
     )
     SELECT (SELECT host(max(ip)) FROM page) AS last, (SELECT count(*) FROM page)::int8 AS scanned,
       (SELECT array_agg(host(p.ip) ORDER BY p.ip) FROM page p LEFT JOIN ip_enrichment e ON e.ip = p.ip
        WHERE ${needsLookup(3)}) AS pending`,
    [orgId, after, ...freshnessParams(f), pageSize],
  );
  const row = r.rows[0]!;
  return { pending: row.pending ?? [], last: row.last, scanned: row.scanned };
}

/** How many of the organisation's source addresses need a lookup (for a progress bar). */
export async function countPendingIps(db: Queryable, orgId: number, f: Freshness): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int8 AS n FROM (
       SELECT source_ip AS ip FROM rollup_source_daily WHERE org_id = $1 AND source_ip IS NOT NULL
       UNION SELECT source_ip FROM failure_reports WHERE org_id = $1 AND source_ip IS NOT NULL
     ) s LEFT JOIN ip_enrichment e ON e.ip = s.ip
     WHERE ${needsLookup(2)}`,
    [orgId, ...freshnessParams(f)],
  );
  return r.rows[0]!.n;
}
