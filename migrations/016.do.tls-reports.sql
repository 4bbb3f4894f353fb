-- SMTP TLS reports (RFC 8460): one row per report, one per policy it reports on, one per failure detail of a policy.
-- Identity per organisation as aggregate reports: reporter organisation + report id + policy domain + period.
CREATE TABLE tls_reports (
  id             bigserial   PRIMARY KEY,
  org_id         bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  file_id        bigint      NOT NULL REFERENCES ingested_files (id) ON DELETE CASCADE,
  -- where in the file the report sat, e.g. "x.eml > report.json.gz"
  part_name      text,
  reporter_org   text        NOT NULL,
  report_id      text        NOT NULL,
  contact_info   text,
  -- the policy domain of the report (its first policy naming one)
  domain         text        NOT NULL,
  begin_at       timestamptz NOT NULL,
  end_at         timestamptz NOT NULL,
  -- UTC date of begin_at: what date filters and the summary use
  day            date        NOT NULL,
  successful_sessions bigint NOT NULL DEFAULT 0,
  failed_sessions     bigint NOT NULL DEFAULT 0,
  warnings       jsonb       NOT NULL DEFAULT '[]'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tls_reports_identity UNIQUE (org_id, reporter_org, report_id, domain, begin_at)
);
CREATE INDEX tls_reports_org_domain_day_idx ON tls_reports (org_id, domain, day);
CREATE INDEX tls_reports_org_day_idx ON tls_reports (org_id, day, id);
CREATE INDEX tls_reports_file_idx ON tls_reports (file_id);

CREATE TABLE tls_report_policies (
  id             bigserial   PRIMARY KEY,
  org_id         bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  report         bigint      NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
  idx            integer     NOT NULL,
  -- sts | tlsa | no-policy-found as RFC 8460 says; a reporter's own value is kept as sent
  policy_type    text        NOT NULL,
  -- NULL: the reporter left it out
  policy_domain  text,
  policy_string  text[]      NOT NULL DEFAULT '{}',
  mx_host        text[]      NOT NULL DEFAULT '{}',
  successful_sessions bigint NOT NULL CHECK (successful_sessions >= 0),
  failed_sessions     bigint NOT NULL CHECK (failed_sessions >= 0),
  UNIQUE (report, idx)
);
CREATE INDEX tls_report_policies_org_idx ON tls_report_policies (org_id, report);

CREATE TABLE tls_failure_details (
  id             bigserial   PRIMARY KEY,
  org_id         bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  policy         bigint      NOT NULL REFERENCES tls_report_policies (id) ON DELETE CASCADE,
  idx            integer     NOT NULL,
  result_type    text        NOT NULL,
  sending_mta_ip text,
  receiving_mx_hostname text,
  receiving_mx_helo text,
  receiving_ip   text,
  failed_session_count bigint NOT NULL CHECK (failed_session_count >= 0),
  additional_information text,
  failure_reason_code text,
  UNIQUE (policy, idx)
);
CREATE INDEX tls_failure_details_org_idx ON tls_failure_details (org_id, policy);
