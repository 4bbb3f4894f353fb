-- Issue 17: a domain's window of the per-source rollup as one index range. The unique key starts with the day,
-- so a per-domain window read every domain's rows of the window. INCLUDE: what the per-domain routes read
-- (sources' ranking, trends' distinct addresses, countries, senders), for an index-only scan.
CREATE INDEX rollup_source_daily_org_domain_day_idx ON rollup_source_daily (org_id, domain, day)
  INCLUDE (source_ip, messages, disposition, dkim, spf);
