// dns_checks: the DNS checks of an organisation's policy domains (migration 010), and what a check reads of the
// organisation's data: its domains, the DKIM selectors its reports show, the policy its reports show as published.
// Every statement names the organisation, except the retention sweep (platform-wide, per organisation and domain).
import type { DnsChange, DnsCheck, DnsRecords, Finding } from '../model/dns-checks.js';
import type { Queryable } from './database.js';

export interface NewDnsCheck {
  domain: string;
  checkedAt: Date;
  trigger: 'scheduled' | 'manual';
  records: DnsRecords;
  findings: Finding[];
  changes: DnsChange[];
  digest: string;
}

export interface StoredDnsCheck extends DnsCheck {
  trigger: 'scheduled' | 'manual';
}

interface Row {
  id: string | number;
  domain: string;
  checkedAt: Date;
  trigger: 'scheduled' | 'manual';
  records: DnsRecords;
  findings: Finding[];
  changes: DnsChange[];
  digest: string;
}

const COLUMNS = `id, domain, checked_at AS "checkedAt", trigger, records, findings, changes, digest`;

const fromRow = (r: Row): StoredDnsCheck => ({
  id: Number(r.id),
  domain: r.domain,
  checkedAt: new Date(r.checkedAt).toISOString(),
  trigger: r.trigger,
  records: r.records,
  findings: r.findings,
  changes: r.changes,
  digest: r.digest,
});

export async function insertDnsCheck(db: Queryable, orgId: number, c: NewDnsCheck): Promise<StoredDnsCheck> {
  const r = await db.query<Row>(
    `INSERT INTO dns_checks (org_id, domain, checked_at, trigger, records, findings, changes, digest, errors, warnings)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10)
     RETURNING ${COLUMNS}`,
    [
      orgId,
      c.domain,
      c.checkedAt,
      c.trigger,
      JSON.stringify(c.records),
      JSON.stringify(c.findings),
      JSON.stringify(c.changes),
      c.digest,
      c.findings.filter((f) => f.severity === 'error').length,
      c.findings.filter((f) => f.severity === 'warning').length,
    ],
  );
  return fromRow(r.rows[0]!);
}

/**
 * The latest check of the domain, or null when it was never checked. `known`: the latest whose DMARC and SPF
 * records the DNS answered (what a new check is compared with: a check the DNS did not answer in between hides
 * nothing).
 */
export async function latestDnsCheck(
  db: Queryable,
  orgId: number,
  domain: string,
  options: { known?: boolean } = {},
): Promise<StoredDnsCheck | null> {
  const known = options.known
    ? `AND records->'dmarc'->>'status' <> 'unknown' AND records->'spf'->>'status' <> 'unknown'`
    : '';
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM dns_checks WHERE org_id = $1 AND domain = $2 ${known} ORDER BY id DESC LIMIT 1`,
    [orgId, domain],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export interface DnsHistoryItem {
  id: number;
  checkedAt: string;
  trigger: 'scheduled' | 'manual';
  digest: string;
  errors: number;
  warnings: number;
  changes: DnsChange[];
}

/** The domain's checks, newest first, a page before `beforeId`; with the total. */
export async function dnsCheckHistory(
  db: Queryable,
  orgId: number,
  domain: string,
  page: { limit: number; beforeId?: number; changesOnly?: boolean },
): Promise<{ items: DnsHistoryItem[]; total: number; nextBeforeId: number | null }> {
  const only = page.changesOnly ? `AND changes <> '[]'::jsonb` : '';
  const [rows, count] = await Promise.all([
    db.query<Omit<DnsHistoryItem, 'id'> & { id: string | number }>(
      `SELECT id, checked_at AS "checkedAt", trigger, digest, errors, warnings, changes FROM dns_checks
       WHERE org_id = $1 AND domain = $2 AND ($3::bigint IS NULL OR id < $3) ${only}
       ORDER BY id DESC LIMIT $4`,
      [orgId, domain, page.beforeId ?? null, page.limit + 1],
    ),
    db.query<{ n: string | number }>(`SELECT count(*) AS n FROM dns_checks WHERE org_id = $1 AND domain = $2 ${only}`, [
      orgId,
      domain,
    ]),
  ]);
  const items = rows.rows.slice(0, page.limit).map((r) => ({
    ...r,
    id: Number(r.id),
    checkedAt: new Date(r.checkedAt).toISOString(),
  }));
  const more = rows.rows.length > page.limit;
  return { items, total: Number(count.rows[0]?.n ?? 0), nextBeforeId: more ? items[items.length - 1]!.id : null };
}

/**
 * Retention of the DNS history: a daily check that found what the one before found says nothing once it is old.
 * Deletes the checks older than `days` that recorded no change, except the first and the latest of each domain
 * (where its history starts, and what is published now), so that the history keeps every change with its date.
 * In batches, to hold no long lock. Returns the number deleted.
 */
export async function pruneDnsChecks(db: Queryable, days: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (;;) {
    const r = await db.query(
      `DELETE FROM dns_checks WHERE id IN (
         SELECT c.id FROM dns_checks c
         WHERE c.checked_at < $1 AND c.changes = '[]'::jsonb
           AND EXISTS (SELECT 1 FROM dns_checks o WHERE o.org_id = c.org_id AND o.domain = c.domain AND o.id < c.id)
           AND EXISTS (SELECT 1 FROM dns_checks o WHERE o.org_id = c.org_id AND o.domain = c.domain AND o.id > c.id)
         ORDER BY c.id LIMIT 1000)`,
      [cutoff],
    );
    deleted += r.rowCount;
    if (r.rowCount < 1000) return deleted;
  }
}

/**
 * The DKIM selectors the domain's reports of its latest `days` report days show for it or its subdomains, busiest
 * first (the latest report day, not today: a domain whose reports paused keeps its selectors).
 */
export async function seenDkimSelectors(
  db: Queryable,
  orgId: number,
  domain: string,
  days: number,
  limit = 20,
): Promise<{ selector: string; domain: string; messages: number }[]> {
  const r = await db.query<{ selector: string; domain: string; messages: string | number }>(
    `SELECT lower(k.s) AS selector, lower(k.d) AS domain, sum(c.count) AS messages
     FROM records c
     CROSS JOIN LATERAL unnest(c.dkim_domains, c.dkim_selectors) AS k(d, s)
     WHERE c.org_id = $1
       AND c.report_id IN (
         SELECT id FROM reports WHERE org_id = $1 AND domain = $2
           AND day > (SELECT max(day) FROM reports WHERE org_id = $1 AND domain = $2) - $3::int)
       AND k.s IS NOT NULL AND k.s <> '' AND (lower(k.d) = $2 OR lower(k.d) LIKE '%.' || $2)
     GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT $4`,
    [orgId, domain, days, limit],
  );
  return r.rows.map((x) => ({ selector: x.selector, domain: x.domain, messages: Number(x.messages) }));
}

/** The policy the reports of the domain's latest report day show as published (the most common), or null. */
export async function reportedPolicy(
  db: Queryable,
  orgId: number,
  domain: string,
): Promise<{ p: string | null; sp: string | null; pct: number | null; day: string } | null> {
  const r = await db.query<{ p: string | null; sp: string | null; pct: number | null; day: string }>(
    `SELECT p, sp, pct, to_char(day, 'YYYY-MM-DD') AS day FROM reports
     WHERE org_id = $1 AND domain = $2
       AND day = (SELECT max(day) FROM reports WHERE org_id = $1 AND domain = $2)
     GROUP BY p, sp, pct, day ORDER BY count(*) DESC, p LIMIT 1`,
    [orgId, domain],
  );
  return r.rows[0] ?? null;
}

/** Checks since `since` that recorded changes (for one domain or all), newest first: what the dns_change rule reads. */
export async function recentDnsChanges(
  db: Queryable,
  orgId: number,
  domain: string | null,
  since: Date,
): Promise<{ id: number; domain: string; checkedAt: string; changes: DnsChange[] }[]> {
  const r = await db.query<{ id: string | number; domain: string; checkedAt: Date; changes: DnsChange[] }>(
    `SELECT id, domain, checked_at AS "checkedAt", changes FROM dns_checks
     WHERE org_id = $1 AND checked_at >= $2 AND ($3::text IS NULL OR domain = $3) AND changes <> '[]'::jsonb
     ORDER BY id DESC`,
    [orgId, since, domain],
  );
  return r.rows.map((x) => ({ ...x, id: Number(x.id), checkedAt: new Date(x.checkedAt).toISOString() }));
}
