-- Organisations (multi-tenancy for service providers): every row of customer data belongs to one organisation,
-- uniques become per organisation, users have a role per organisation (membership), and platform administrators
-- manage organisations. Data stored before this migration moves into the organisation 'default'.
-- The reporter's organisation (RFC 7489 <org_name>) becomes reporter_org, so that "organisation" means one thing.

CREATE TABLE organizations (
  id          bigserial   PRIMARY KEY,
  -- in URLs (/api/orgs/:org, /o/:org): lower-case letters, digits and inner hyphens
  slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organizations (id, slug, name) VALUES (1, 'default', 'Default organisation');
SELECT setval(pg_get_serial_sequence('organizations', 'id'), 1);

-- The policy domains an organisation receives reports for (registered when a report for one is stored).
CREATE TABLE domains (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT domains_org_name UNIQUE (org_id, name)
);
INSERT INTO domains (org_id, name) SELECT DISTINCT 1, domain FROM reports ORDER BY 2;

-- Users: a role per organisation; platform administrators see and manage every organisation.
CREATE TABLE memberships (
  user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  role        text        NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org_idx ON memberships (org_id);
INSERT INTO memberships (user_id, org_id, role) SELECT id, 1, role FROM users;
ALTER TABLE users ADD COLUMN platform_admin boolean NOT NULL DEFAULT false;
UPDATE users SET platform_admin = true WHERE role = 'admin';
ALTER TABLE users DROP COLUMN role;

-- A login session may have chosen an organisation (what /api/... means for it); refreshing keeps it.
ALTER TABLE refresh_tokens ADD COLUMN org_id bigint REFERENCES organizations (id) ON DELETE SET NULL;

-- An API key acts for one user in one organisation.
ALTER TABLE api_keys ADD COLUMN org_id bigint NOT NULL DEFAULT 1 REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE api_keys ALTER COLUMN org_id DROP DEFAULT;

-- Entries about an organisation's data name it (NULL: platform-wide, e.g. logins); kept when it is deleted.
ALTER TABLE audit_log ADD COLUMN org_id bigint;
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id DESC);
ALTER TABLE task_runs ADD COLUMN org_id bigint;
CREATE INDEX task_runs_org_idx ON task_runs (org_id, seq);

-- Files: the same bytes sent to two organisations are two files.
ALTER TABLE ingested_files ADD COLUMN org_id bigint NOT NULL DEFAULT 1 REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE ingested_files ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE ingested_files DROP CONSTRAINT ingested_files_sha256_key;
ALTER TABLE ingested_files ADD CONSTRAINT ingested_files_org_sha256 UNIQUE (org_id, sha256);
DROP INDEX ingested_files_status_idx;
DROP INDEX ingested_files_received_idx;
CREATE INDEX ingested_files_org_status_idx ON ingested_files (org_id, status, id);
CREATE INDEX ingested_files_received_idx ON ingested_files (received_at);

-- Reports: identity per organisation.
ALTER TABLE reports ADD COLUMN org_id bigint NOT NULL DEFAULT 1 REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE reports ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE reports RENAME COLUMN org_name TO reporter_org;
ALTER TABLE reports DROP CONSTRAINT reports_identity;
ALTER TABLE reports ADD CONSTRAINT reports_identity
  UNIQUE NULLS NOT DISTINCT (org_id, reporter_org, report_id, domain, begin_at);
DROP INDEX reports_domain_day_idx;
DROP INDEX reports_day_idx;
DROP INDEX reports_org_idx;
CREATE INDEX reports_org_domain_day_idx ON reports (org_id, domain, day);
CREATE INDEX reports_org_day_idx ON reports (org_id, day);
CREATE INDEX reports_org_reporter_idx ON reports (org_id, reporter_org);

-- Records carry their organisation too (no foreign key, as before: written only with their report).
ALTER TABLE records ADD COLUMN org_id bigint NOT NULL DEFAULT 1;
ALTER TABLE records ALTER COLUMN org_id DROP DEFAULT;
DROP INDEX records_source_ip_idx;
CREATE INDEX records_org_source_ip_idx ON records (org_id, source_ip);

ALTER TABLE rollup_daily ADD COLUMN org_id bigint NOT NULL DEFAULT 1;
ALTER TABLE rollup_daily ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE rollup_daily RENAME COLUMN org_name TO reporter_org;
ALTER TABLE rollup_daily DROP CONSTRAINT rollup_daily_key;
ALTER TABLE rollup_daily ADD CONSTRAINT rollup_daily_key
  UNIQUE NULLS NOT DISTINCT (org_id, domain, day, reporter_org, disposition, dkim, spf);
DROP INDEX rollup_daily_day_idx;
CREATE INDEX rollup_daily_org_day_idx ON rollup_daily (org_id, day);

ALTER TABLE rollup_source_daily ADD COLUMN org_id bigint NOT NULL DEFAULT 1;
ALTER TABLE rollup_source_daily ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE rollup_source_daily RENAME COLUMN org_name TO reporter_org;
ALTER TABLE rollup_source_daily DROP CONSTRAINT rollup_source_daily_key;
ALTER TABLE rollup_source_daily ADD CONSTRAINT rollup_source_daily_key
  UNIQUE NULLS NOT DISTINCT (org_id, day, domain, source_ip, reporter_org, disposition, dkim, spf);
DROP INDEX rollup_source_daily_ip_idx;
CREATE INDEX rollup_source_daily_org_ip_idx ON rollup_source_daily (org_id, source_ip);

ALTER TABLE report_reasons ADD COLUMN org_id bigint NOT NULL DEFAULT 1;
ALTER TABLE report_reasons ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE report_reasons RENAME COLUMN org_name TO reporter_org;
DROP INDEX report_reasons_day_idx;
CREATE INDEX report_reasons_org_day_idx ON report_reasons (org_id, day);
