-- Who sends as an organisation's domains: the sender identified for each of its source IPs, and its users' word on
-- senders (approved, not ours, our own server). Identification is per organisation: its evidence includes the
-- organisation's own records (the DKIM d=/s= and SPF domains that passed for the address), beside the address's
-- public enrichment (ip_enrichment: reverse DNS, AS).

-- One row per (organisation, source IP), written by the identify-senders task. The identification itself, before
-- any rule: rules are per domain and applied when read (analytics/sender-rules-sql.ts).
-- No foreign key to organizations: a large tenant's rows are deleted in batches (store/organizations.ts).
CREATE TABLE source_senders (
  org_id             bigint      NOT NULL,
  ip                 inet        NOT NULL,
  -- a catalogue id (sendgrid), a group key (ptr:example.net, asn:64500, unknown)
  sender_key         text        NOT NULL CHECK (length(sender_key) BETWEEN 1 AND 300),
  sender             text        NOT NULL,
  type               text        NOT NULL,
  -- NULL for groups (senders the catalogue does not know)
  confidence         text        CHECK (confidence IN ('high', 'medium', 'low')),
  known              boolean     NOT NULL,
  reason             text        NOT NULL,
  -- the evidence items as identifySender listed them (what each said, what it matched, whether it counts)
  evidence           jsonb       NOT NULL DEFAULT '[]'::jsonb,
  -- the other candidate services, best first
  alternatives       jsonb       NOT NULL DEFAULT '[]'::jsonb,
  -- the organisation's own evidence as gathered from its records (kept, so that a new catalogue or a refreshed
  -- enrichment re-identifies without reading every record again): DKIM d= and s= that verified, SPF domains
  -- that passed
  dkim_domains       text[]      NOT NULL DEFAULT '{}',
  dkim_selectors     text[]      NOT NULL DEFAULT '{}',
  spf_domains        text[]      NOT NULL DEFAULT '{}',
  -- the PTR name a base-domain rule is matched against (NULL when there is none, or it is known not to be
  -- forward-confirmed: anyone can write any PTR for their own address)
  rule_ptr           text,
  -- catalogue and scoring version the row was identified with: a new catalogue re-identifies
  catalogue_version  text        NOT NULL,
  identified_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, ip)
);
CREATE INDEX source_senders_org_key_idx ON source_senders (org_id, sender_key);

-- Per organisation: the sources of reports stored before this moment have been identified (identify-senders then
-- reads only the records of reports stored since, as enrich-sources does).
CREATE TABLE source_sender_checks (
  org_id         bigint      PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  checked_until  timestamptz NOT NULL
);

-- A user's word on a sender, for one policy domain of the organisation or (domain NULL) for all of them:
-- a service or group key, a CIDR range or a PTR base domain is approved, not ours, or our own server (named).
-- Values are stored in the canonical form parseSenderRule gives them.
CREATE TABLE sender_rules (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  domain      text,
  kind        text        NOT NULL CHECK (kind IN ('service', 'cidr', 'base_domain')),
  value       text        NOT NULL CHECK (length(value) BETWEEN 1 AND 300),
  verdict     text        NOT NULL CHECK (verdict IN ('approved', 'not_ours', 'own')),
  name        text        CHECK (length(name) <= 100),
  created_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (verdict <> 'own' OR name IS NOT NULL),
  -- one rule per sender and domain: a new word on it replaces the old one
  CONSTRAINT sender_rules_identity UNIQUE NULLS NOT DISTINCT (org_id, domain, kind, value)
);
