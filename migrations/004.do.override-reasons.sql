-- Policy-override reasons per report, by outcome: what the override-reasons chart reads instead of the records.
-- reason '*' rows count the messages of records carrying any reason (a record with two reasons counts once
-- there, and under each of its reasons).
CREATE TABLE report_reasons (
  report_id    bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  domain       text   NOT NULL,
  day          date,
  org_name     text   NOT NULL,
  reason       text   NOT NULL,
  disposition  text,
  dkim         text,
  spf          text,
  records      bigint NOT NULL,
  messages     bigint NOT NULL
);
CREATE INDEX report_reasons_day_idx ON report_reasons (day);
CREATE INDEX report_reasons_report_idx ON report_reasons (report_id);

-- Reports stored before this migration.
INSERT INTO report_reasons (report_id, domain, day, org_name, reason, disposition, dkim, spf, records, messages)
SELECT x.report_id, r.domain, r.day, r.org_name, x.reason, x.disposition, x.dkim, x.spf, count(*), sum(x.count)
FROM (
  SELECT DISTINCT c.report_id, c.idx, c.count, c.disposition, c.dkim, c.spf, lower(t.type) AS reason
  FROM records c CROSS JOIN LATERAL unnest(c.reason_types) AS t(type)
  UNION ALL
  SELECT c.report_id, c.idx, c.count, c.disposition, c.dkim, c.spf, '*'
  FROM records c WHERE cardinality(c.reason_types) > 0
) x JOIN reports r ON r.id = x.report_id
GROUP BY x.report_id, r.domain, r.day, r.org_name, x.reason, x.disposition, x.dkim, x.spf;
