-- Reporters under one name. A report keeps the reporter's name as written (reporter_org) and gains its
-- canonical name (reporter: "google.com", "Google" and "Google, Inc." are all "Google"), which the rollups,
-- filters and figures group by. The canonical name is computed in the application (src/model/reporter-name.ts):
-- here every report starts with its name as written, which is what the rollups hold until now, and
-- reporter_names_state's empty version makes the next start rename them and rebuild the rollups they touch.
ALTER TABLE reports ADD COLUMN reporter text;
UPDATE reports SET reporter = reporter_org;
ALTER TABLE reports ALTER COLUMN reporter SET NOT NULL;
CREATE INDEX reports_org_reporter_name_idx ON reports (org_id, reporter);

ALTER TABLE rollup_daily RENAME COLUMN reporter_org TO reporter;
ALTER TABLE rollup_source_daily RENAME COLUMN reporter_org TO reporter;
ALTER TABLE report_reasons RENAME COLUMN reporter_org TO reporter;

-- The version of the naming (table and rules) the stored canonical names were made with.
CREATE TABLE reporter_names_state (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    text    NOT NULL
);
INSERT INTO reporter_names_state (version) VALUES ('');
