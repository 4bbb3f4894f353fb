-- Anomaly detection (Isolation Forest, analytics/anomaly/): the models an organisation trained, their versions, and
-- the predictions they made per source IP and day. Exactly one model of an organisation is active (the partial
-- unique index); the first model of an organisation is activated when trained, later ones when an admin deploys
-- them (or at once with DMARC_ANOMALY_AUTO_ACTIVATE=true).
CREATE TABLE ml_models (
  id             bigserial   PRIMARY KEY,
  org_id         bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- 1, 2, 3, ... per organisation
  version        integer     NOT NULL CHECK (version > 0),
  kind           text        NOT NULL DEFAULT 'isolation_forest' CHECK (kind IN ('isolation_forest')),
  -- trees, sampleSize, seed, heightLimit
  parameters     jsonb       NOT NULL,
  -- the feature names, in the order of the forest's columns, with their training statistics (median, MAD, mean)
  features       jsonb       NOT NULL,
  -- the trees (isolation-forest.ts ForestJson)
  forest         jsonb       NOT NULL,
  window_from    date        NOT NULL,
  window_to      date        NOT NULL CHECK (window_to >= window_from),
  samples        integer     NOT NULL CHECK (samples > 0),
  -- the training rows' scores: min, quantiles, max, mean
  score_distribution jsonb   NOT NULL,
  -- a score at or above this is anomalous
  threshold      double precision NOT NULL CHECK (threshold > 0 AND threshold < 1),
  -- the user who asked for it; NULL: the scheduled train-model task
  created_by     bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  active         boolean     NOT NULL DEFAULT false,
  UNIQUE (org_id, version)
);
CREATE UNIQUE INDEX ml_models_one_active_idx ON ml_models (org_id) WHERE active;

-- One prediction per model, source IP and day: its score, whether it is anomalous under the model's threshold,
-- the raw features it was scored on and the words that explain it.
CREATE TABLE ml_predictions (
  org_id       bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  model_id     bigint      NOT NULL REFERENCES ml_models (id) ON DELETE CASCADE,
  ip           inet        NOT NULL,
  day          date        NOT NULL,
  score        double precision NOT NULL CHECK (score >= 0 AND score <= 1),
  anomalous    boolean     NOT NULL,
  features     jsonb       NOT NULL,
  explanation  jsonb       NOT NULL DEFAULT '[]'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, ip, day)
);
CREATE INDEX ml_predictions_org_day_idx ON ml_predictions (org_id, day, score DESC);
CREATE INDEX ml_predictions_org_ip_idx ON ml_predictions (org_id, ip, day DESC);
