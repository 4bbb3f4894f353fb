-- Users, refresh tokens (stored hashed, rotated, grouped in families for theft detection), API keys (stored
-- hashed) and the audit log.

CREATE TABLE users (
  id             bigserial   PRIMARY KEY,
  email          text        NOT NULL,
  name           text        NOT NULL,
  role           text        NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
  active         boolean     NOT NULL DEFAULT true,
  password_hash  text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz
);
-- e-mail addresses are unique whatever their case
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE refresh_tokens (
  id           bigserial   PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- every token issued from one login shares a family; re-use of a rotated token revokes the family
  family       text        NOT NULL,
  token_hash   text        NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  -- set when the token was exchanged for a new one (rotation)
  used_at      timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE api_keys (
  id            bigserial   PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text        NOT NULL,
  -- the short visible part of the key, to recognise it in lists
  prefix        text        NOT NULL,
  key_hash      text        NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE audit_log (
  id        bigserial   PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor_id  bigint,
  -- e-mail of the actor, or 'anonymous'; kept as text so that the entry survives the user
  actor     text        NOT NULL,
  action    text        NOT NULL,
  target    text,
  ip        text,
  outcome   text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  details   jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action);
