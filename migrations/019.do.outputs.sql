-- SIEM and other outputs (src/outputs/): where an organisation's reports are forwarded as JSON events (one per
-- record), and the outbox that makes it at-least-once. forward-events fills the outbox with the reports stored
-- since the output's last scan (scanned_until, re-read with a margin: ON CONFLICT makes that harmless), then sends
-- each pending row's records from next_idx on, in bounded batches; a failure backs the whole output off
-- (retry_at, consecutive_failures) so that a target that is down is asked once per backoff step, not flooded.
CREATE TABLE outputs (
  id                    bigserial   PRIMARY KEY,
  org_id                bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                  text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type                  text        NOT NULL,
  -- holds secrets (tokens, passwords, API keys, signing secrets): answered and logged only masked
  config                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  enabled               boolean     NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  -- reports stored before this were queued already (or predate the output)
  scanned_until         timestamptz NOT NULL DEFAULT now(),
  last_success_at       timestamptz,
  last_error            text,
  last_error_at         timestamptz,
  consecutive_failures  integer     NOT NULL DEFAULT 0,
  -- NULL: not backing off
  retry_at              timestamptz,
  CONSTRAINT outputs_org_name UNIQUE (org_id, name)
);

-- One row per output and report: the report's records idx < next_idx have been sent (or refused by the target,
-- counted in rejected), state 'sent' once all of them have.
CREATE TABLE output_outbox (
  id               bigserial   PRIMARY KEY,
  org_id           bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  output_id        bigint      NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
  report_id        bigint      NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
  next_idx         integer     NOT NULL DEFAULT 0,
  rejected         integer     NOT NULL DEFAULT 0,
  attempts         integer     NOT NULL DEFAULT 0,
  -- NULL: due now
  next_attempt_at  timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  CONSTRAINT output_outbox_once UNIQUE (output_id, report_id)
);
CREATE INDEX output_outbox_due_idx ON output_outbox (output_id, id) WHERE state = 'pending';
CREATE INDEX output_outbox_org_idx ON output_outbox (org_id);
CREATE INDEX output_outbox_report_idx ON output_outbox (report_id);
