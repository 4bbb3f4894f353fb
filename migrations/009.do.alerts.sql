-- Alerts: the rules an organisation's admins define, the channels notifications go to, the alerts the evaluation
-- opens (at most one unresolved alert per fingerprint), each alert's history, the suppressions (maintenance
-- windows) and the delivery of each notification to each channel. Every row belongs to one organisation.
-- Rule and channel types are not checked here: they are registries in code (src/alerts/rules, src/alerts/channels),
-- so that a new type needs no migration.

CREATE TABLE alert_channels (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type        text        NOT NULL,
  -- holds secrets (webhook URLs, signing secrets): answered and logged only masked
  config      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  enabled     boolean     NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT alert_channels_org_name UNIQUE (org_id, name)
);

CREATE TABLE alert_rules (
  id                     bigserial   PRIMARY KEY,
  org_id                 bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                   text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type                   text        NOT NULL,
  -- NULL: every domain of the organisation
  domain                 text,
  severity               text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  -- alert_channels ids of the same organisation (removed from here when a channel is deleted)
  channel_ids            bigint[]    NOT NULL DEFAULT '{}',
  enabled                boolean     NOT NULL DEFAULT true,
  params                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- an alert resolves itself once its condition has been clear this long
  resolve_after_minutes  integer     NOT NULL DEFAULT 60 CHECK (resolve_after_minutes >= 0),
  -- after an alert is resolved, the same fingerprint cannot open again for this long
  cooldown_minutes       integer     NOT NULL DEFAULT 60 CHECK (cooldown_minutes >= 0),
  notify_on_resolve      boolean     NOT NULL DEFAULT false,
  created_by             text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT alert_rules_org_name UNIQUE (org_id, name)
);

CREATE TABLE alert_suppressions (
  id                bigserial   PRIMARY KEY,
  org_id            bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- what is suppressed: every field that is set must match (all NULL: everything of the organisation)
  rule_id           bigint      REFERENCES alert_rules (id) ON DELETE CASCADE,
  domain            text,
  -- the breach's subject: a source IP (later a sender), a reporter, a mailbox
  subject           text,
  -- a window (starts_at..ends_at), or recurring: a window of duration_minutes opening at each time of the cron
  -- expression (read in `timezone`), optionally only between starts_at and ends_at
  starts_at         timestamptz,
  ends_at           timestamptz,
  cron              text,
  timezone          text        NOT NULL DEFAULT 'UTC',
  duration_minutes  integer     CHECK (duration_minutes > 0),
  reason            text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  created_by_id     bigint,
  created_by        text        NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT alert_suppressions_when CHECK (
    (cron IS NULL AND duration_minutes IS NULL AND starts_at IS NOT NULL AND ends_at IS NOT NULL)
    OR (cron IS NOT NULL AND duration_minutes IS NOT NULL)),
  CONSTRAINT alert_suppressions_order CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX alert_suppressions_org_idx ON alert_suppressions (org_id, id);

CREATE TABLE alerts (
  id                 bigserial   PRIMARY KEY,
  org_id             bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  rule_id            bigint      REFERENCES alert_rules (id) ON DELETE SET NULL,
  -- the rule as it was (kept when the rule is deleted)
  rule_name          text        NOT NULL,
  rule_type          text        NOT NULL,
  -- hex SHA-256 of (organisation, rule, domain, subject)
  fingerprint        text        NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  domain             text,
  subject            text,
  severity           text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  state              text        NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  summary            text        NOT NULL,
  -- the latest figures of the breach (the rule's own)
  figures            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  first_seen_at      timestamptz NOT NULL,
  last_seen_at       timestamptz NOT NULL,
  -- check periods (hours) in which the breach was seen
  occurrences        integer     NOT NULL DEFAULT 1,
  -- when the condition was first seen clear again (auto-resolve counts from here); NULL while it holds
  clear_since        timestamptz,
  -- the suppression the latest breach fell in (recorded, never notified); NULL: not suppressed
  suppressed_by      bigint      REFERENCES alert_suppressions (id) ON DELETE SET NULL,
  suppressed         boolean     NOT NULL DEFAULT false,
  -- the highest severity a notification went out for; NULL: none yet (e.g. opened during a maintenance window)
  notified_severity  text,
  acknowledged_at    timestamptz,
  acknowledged_by    text,
  resolved_at        timestamptz,
  -- e-mail of who resolved it; 'system' when it resolved itself
  resolved_by        text,
  updated_at         timestamptz NOT NULL
);
-- at most one alert per fingerprint that is not resolved
CREATE UNIQUE INDEX alerts_unresolved_fingerprint ON alerts (org_id, fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_org_idx ON alerts (org_id, id DESC);
CREATE INDEX alerts_org_state_idx ON alerts (org_id, state, id DESC);
CREATE INDEX alerts_org_fingerprint_idx ON alerts (org_id, fingerprint, resolved_at DESC);

-- Every change of an alert: who (an e-mail, or 'system' for the evaluation), when, from which state to which,
-- and a note.
CREATE TABLE alert_events (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  alert_id    bigint      NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL,
  actor_id    bigint,
  actor       text        NOT NULL,
  action      text        NOT NULL,
  from_state  text,
  to_state    text,
  note        text,
  details     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX alert_events_alert_idx ON alert_events (org_id, alert_id, id);

-- One notification of one alert to one channel, and how its delivery went.
CREATE TABLE alert_deliveries (
  id            bigserial   PRIMARY KEY,
  org_id        bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  alert_id      bigint      NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  channel_id    bigint      REFERENCES alert_channels (id) ON DELETE SET NULL,
  -- the channel as it was (kept when it is deleted)
  channel_name  text        NOT NULL,
  channel_type  text        NOT NULL,
  -- what the notification says: the alert opened, escalated, or resolved
  event         text        NOT NULL CHECK (event IN ('opened', 'escalated', 'resolved')),
  -- the severity it was sent with
  severity      text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  state         text        NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'failed')),
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  delivered_at  timestamptz
);
CREATE INDEX alert_deliveries_alert_idx ON alert_deliveries (org_id, alert_id, id);
