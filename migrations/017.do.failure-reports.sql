-- Failure reports (RFC 6591 on ARF, RFC 9991): one row per failing message a receiver reported. The original
-- message's body is never stored (neither here nor in the kept file: see docs/failure-reports.md); `headers`
-- holds only the headers the privacy settings keep (DMARC_FAILURE_KEEP_HEADERS, DMARC_FAILURE_HEADERS).
CREATE TABLE failure_reports (
  id                    bigserial   PRIMARY KEY,
  org_id                bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  file_id               bigint      NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
  -- where in the file the report sat, e.g. "x.mbox > message 2"
  part_name             text,
  -- sha256 of reporter, Original-Envelope-Id, hash of the Message-ID, arrival date, source IP, domain, failure
  identity              text        NOT NULL,
  format                text        NOT NULL CHECK (format IN ('arf', 'prose')),
  reporter              text,
  feedback_type         text,
  user_agent            text,
  version               text,
  auth_failure          text,
  source_ip             inet,
  reported_domain       text,
  reported_uri          jsonb       NOT NULL DEFAULT '[]'::jsonb,
  original_envelope_id  text,
  original_mail_from    text,
  original_rcpt_to      jsonb       NOT NULL DEFAULT '[]'::jsonb,
  arrival_date_raw      text,
  arrival_date          timestamptz,
  delivery_result       text,
  authentication_results jsonb      NOT NULL DEFAULT '[]'::jsonb,
  dkim_domain           text,
  dkim_identity         text,
  dkim_selector         text,
  dkim_canonicalized_header text,
  spf_dns               jsonb       NOT NULL DEFAULT '[]'::jsonb,
  identity_alignment    text,
  incidents             integer,
  -- every feedback field as written (lower-case names → values), except DKIM-Canonicalized-Body
  fields                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  original              text        NOT NULL CHECK (original IN ('message', 'headers', 'none')),
  -- [{name, value}] of the original message, filtered by the privacy settings
  headers               jsonb       NOT NULL DEFAULT '[]'::jsonb,
  warnings              jsonb       NOT NULL DEFAULT '[]'::jsonb,
  created_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT failure_reports_identity UNIQUE (org_id, identity)
);
CREATE INDEX failure_reports_org_arrival_idx ON failure_reports (org_id, arrival_date DESC, id DESC);
CREATE INDEX failure_reports_org_domain_idx ON failure_reports (org_id, reported_domain);
CREATE INDEX failure_reports_org_ip_idx ON failure_reports (org_id, source_ip);
CREATE INDEX failure_reports_file_idx ON failure_reports (file_id);
