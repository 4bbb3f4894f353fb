-- Core pipeline: ingested files (with their original bytes), aggregate reports, records with their auth
-- results, and the per-day rollups that charts read. Requires PostgreSQL 15+ (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE ingested_files (
  id            bigserial PRIMARY KEY,
  sha256        text        NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  source        text        NOT NULL CHECK (source IN ('upload', 'imap', 'cli', 'api')),
  name          text        NOT NULL,
  size          bigint      NOT NULL CHECK (size >= 0),
  content_type  text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  status        text        NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'processing', 'processed', 'duplicate', 'unsupported', 'failed')),
  -- aggregate | smtp_tls | forensic, once known
  kind          text,
  error         text,
  warnings      jsonb       NOT NULL DEFAULT '[]'::jsonb,
  recovered     boolean     NOT NULL DEFAULT false,
  report_count  integer     NOT NULL DEFAULT 0,
  record_count  bigint      NOT NULL DEFAULT 0,
  attempts      integer     NOT NULL DEFAULT 0,
  processed_at  timestamptz
);
CREATE INDEX ingested_files_status_idx ON ingested_files (status, received_at);
CREATE INDEX ingested_files_received_idx ON ingested_files (received_at);

-- The original bytes, kept apart so that listing files never reads them. Stored gzip-compressed when the
-- file was not already compressed (XML shrinks 10-20x).
CREATE TABLE file_contents (
  file_id   bigint PRIMARY KEY REFERENCES ingested_files (id) ON DELETE CASCADE,
  encoding  text   NOT NULL CHECK (encoding IN ('identity', 'gzip')),
  data      bytea  NOT NULL
);

CREATE TABLE reports (
  id                  bigserial PRIMARY KEY,
  file_id             bigint      NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
  -- where in the file the report sat, e.g. "x.eml > y.zip > z.xml"
  part_name           text,
  org_name            text        NOT NULL,
  email               text,
  extra_contact_info  text,
  report_id           text        NOT NULL,
  domain              text        NOT NULL,
  begin_at            timestamptz,
  end_at              timestamptz,
  -- UTC date of begin_at: what date filters and rollups use
  day                 date,
  version             text,
  schema              text        NOT NULL CHECK (schema IN ('rfc7489', 'dmarcbis')),
  namespace           text,
  generator           text,
  adkim               text,
  aspf                text,
  p                   text,
  sp                  text,
  np                  text,
  pct                 smallint,
  fo                  text,
  testing             text,
  discovery_method    text,
  reporter_errors     jsonb       NOT NULL DEFAULT '[]'::jsonb,
  warnings            jsonb       NOT NULL DEFAULT '[]'::jsonb,
  recovered           boolean     NOT NULL DEFAULT false,
  record_count        integer     NOT NULL DEFAULT 0,
  message_count       bigint      NOT NULL DEFAULT 0,
  -- messages whose policy-evaluated DKIM or SPF is pass
  dmarc_pass          bigint      NOT NULL DEFAULT 0,
  -- distinct policy-evaluated outcomes of its records, "disposition/dkim/spf" ('-' = missing), so that
  -- reports can be counted under outcome filters without reading records
  facets              text[]      NOT NULL DEFAULT '{}',
  created_at          timestamptz NOT NULL DEFAULT now(),
  -- Reporters resend the same report, sometimes in another container: this is its identity.
  CONSTRAINT reports_identity UNIQUE NULLS NOT DISTINCT (org_name, report_id, domain, begin_at)
);
CREATE INDEX reports_domain_day_idx ON reports (domain, day);
CREATE INDEX reports_day_idx ON reports (day);
CREATE INDEX reports_file_idx ON reports (file_id);
CREATE INDEX reports_org_idx ON reports (org_name);

-- One row per <record>. Its override reasons and DKIM/SPF auth results are parallel arrays in the same row
-- (unnest(dkim_domains, dkim_selectors, dkim_results, dkim_human_results) gives them back as rows): one row
-- and one index entry per record instead of four tables, which more than halves the cost of ingestion.
-- No foreign key either: a per-row FK check would cost more than the insert. Records are only written by the
-- single-transaction report writer and deleted with their report.
CREATE TABLE records (
  report_id           bigint  NOT NULL,
  idx                 integer NOT NULL,
  source_ip           inet,
  count               bigint  NOT NULL CHECK (count >= 0),
  disposition         text,
  dkim                text,
  spf                 text,
  header_from         text,
  envelope_from       text,
  envelope_to         text,
  reason_types        text[]  NOT NULL DEFAULT '{}',
  reason_comments     text[]  NOT NULL DEFAULT '{}',
  dkim_domains        text[]  NOT NULL DEFAULT '{}',
  dkim_selectors      text[]  NOT NULL DEFAULT '{}',
  dkim_results        text[]  NOT NULL DEFAULT '{}',
  dkim_human_results  text[]  NOT NULL DEFAULT '{}',
  spf_domains         text[]  NOT NULL DEFAULT '{}',
  spf_scopes          text[]  NOT NULL DEFAULT '{}',
  spf_results         text[]  NOT NULL DEFAULT '{}',
  spf_human_results   text[]  NOT NULL DEFAULT '{}',
  PRIMARY KEY (report_id, idx)
);
CREATE INDEX records_source_ip_idx ON records (source_ip);

-- Rollups: message counts per policy domain x day (report begin, UTC; NULL for reports without a readable
-- period) x reporter x the record's policy-evaluated outcome (disposition, aligned DKIM, aligned SPF). Every
-- headline figure derives from these dimensions exactly (e.g. DMARC pass = dkim or spf is pass), and every
-- filter of the analytics API maps onto them. Charts read these, never the records table.
CREATE TABLE rollup_daily (
  domain          text   NOT NULL,
  day             date,
  org_name        text   NOT NULL,
  disposition     text,
  dkim            text,
  spf             text,
  records         bigint NOT NULL DEFAULT 0,
  messages        bigint NOT NULL DEFAULT 0,
  -- raw authentication (any DKIM / SPF auth result pass), aligned or not
  dkim_auth_pass  bigint NOT NULL DEFAULT 0,
  spf_auth_pass   bigint NOT NULL DEFAULT 0,
  CONSTRAINT rollup_daily_key UNIQUE NULLS NOT DISTINCT (domain, day, org_name, disposition, dkim, spf)
);
CREATE INDEX rollup_daily_day_idx ON rollup_daily (day);

-- The same per source IP: what the sources views and source_ip filters read.
CREATE TABLE rollup_source_daily (
  domain          text   NOT NULL,
  day             date,
  source_ip       inet,
  org_name        text   NOT NULL,
  disposition     text,
  dkim            text,
  spf             text,
  records         bigint NOT NULL DEFAULT 0,
  messages        bigint NOT NULL DEFAULT 0,
  dkim_auth_pass  bigint NOT NULL DEFAULT 0,
  spf_auth_pass   bigint NOT NULL DEFAULT 0,
  CONSTRAINT rollup_source_daily_key
    UNIQUE NULLS NOT DISTINCT (day, domain, source_ip, org_name, disposition, dkim, spf)
);
CREATE INDEX rollup_source_daily_ip_idx ON rollup_source_daily (source_ip);
