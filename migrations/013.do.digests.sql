-- Scheduled e-mail digests of an organisation (admins manage them) and the record of every digest sent or tried:
-- one row per digest, period and recipient. The UNIQUE key is what keeps a digest from being sent twice for a
-- period and a recipient, even with two schedulers: a sender claims the row (INSERT ... ON CONFLICT DO NOTHING)
-- before it sends, and only the one that inserted it sends.
CREATE TABLE digests (
  id          bigserial   PRIMARY KEY,
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  recipients  text[]      NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 50),
  -- empty: every policy domain of the organisation
  domains     text[]      NOT NULL DEFAULT '{}',
  cadence     text        NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
  -- IANA name, checked with Intl when saved
  time_zone   text        NOT NULL,
  -- local hour (0-23) from which the digest of a completed period is sent
  send_hour   smallint    NOT NULL DEFAULT 8 CHECK (send_hour BETWEEN 0 AND 23),
  attach_pdf  boolean     NOT NULL DEFAULT false,
  enabled     boolean     NOT NULL DEFAULT true,
  created_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT digests_org_name UNIQUE (org_id, name)
);
CREATE INDEX digests_enabled_idx ON digests (org_id) WHERE enabled;

CREATE TABLE digest_runs (
  id            bigserial   PRIMARY KEY,
  digest_id     bigint      NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
  org_id        bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- the period's first and last day (local dates of the digest's time zone)
  period_start  date        NOT NULL,
  period_end    date        NOT NULL,
  recipient     text        NOT NULL,
  -- 'sending': claimed by a sender that has not finished (or died); 'failed' is retried a few times
  status        text        NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  attempts      integer     NOT NULL DEFAULT 1,
  -- a safe message: no SMTP password, no stack
  error         text,
  claimed_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  CONSTRAINT digest_runs_once UNIQUE (digest_id, period_start, recipient)
);
CREATE INDEX digest_runs_org_digest_idx ON digest_runs (org_id, digest_id, id DESC);
