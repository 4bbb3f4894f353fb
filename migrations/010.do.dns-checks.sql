-- DNS checks of an organisation's policy domains (the check-dns task, daily, and "check now"): the records as
-- published (DMARC, SPF and its includes, the DKIM selectors the reports show, MTA-STS, TLS-RPT, BIMI), the
-- findings, what changed against the check before (the dns_change alert rule reads these) and a digest of what
-- is published. Every check is kept: the history of a domain's records.
CREATE TABLE dns_checks (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain      text        NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  -- 'scheduled' (check-dns) or 'manual' (POST /api/domains/:domain/dns/check)
  trigger     text        NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  records     jsonb       NOT NULL,
  findings    jsonb       NOT NULL DEFAULT '[]'::jsonb,
  changes     jsonb       NOT NULL DEFAULT '[]'::jsonb,
  -- sha256 (hex) of what is published: equal to the check before, nothing changed
  digest      text        NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
  errors      integer     NOT NULL DEFAULT 0,
  warnings    integer     NOT NULL DEFAULT 0
);
CREATE INDEX dns_checks_org_domain_idx ON dns_checks (org_id, domain, id DESC);
CREATE INDEX dns_checks_org_checked_idx ON dns_checks (org_id, checked_at);
