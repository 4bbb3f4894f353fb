-- Background work: the history of task runs (GET /api/tasks, both queue adapters write it), and when each
-- ingested file last changed status (so that the pending sweep leaves alone the files a worker holds right now).

CREATE TABLE task_runs (
  -- the queue's job id
  id            text        PRIMARY KEY,
  -- ordering and keyset pagination, newest first
  seq           bigserial   NOT NULL UNIQUE,
  name          text        NOT NULL,
  state         text        NOT NULL CHECK (state IN ('queued', 'running', 'retrying', 'completed', 'failed')),
  -- runs started so far (a retry or a run after a worker died counts)
  attempts      integer     NOT NULL DEFAULT 0,
  max_attempts  integer,
  -- "host:pid" of the worker of the latest attempt
  worker        text,
  payload       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  result        jsonb,
  error         text,
  queued_at     timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  -- when a retrying run is due again
  retry_at      timestamptz
);
CREATE INDEX task_runs_name_idx ON task_runs (name, seq);
CREATE INDEX task_runs_state_idx ON task_runs (state, seq);
CREATE INDEX task_runs_queued_idx ON task_runs (queued_at);

ALTER TABLE ingested_files ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION ingested_files_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status OR NEW.attempts IS DISTINCT FROM OLD.attempts THEN
    NEW.status_changed_at := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER ingested_files_status_changed BEFORE UPDATE ON ingested_files
  FOR EACH ROW EXECUTE FUNCTION ingested_files_status_changed();

CREATE INDEX ingested_files_status_changed_idx ON ingested_files (status, status_changed_at);
