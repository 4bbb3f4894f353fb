-- Issue 18, alerts at scale.
--
-- 1. The source rules' look-back as an index range. new_sender asks, for each source of the window, whether it
-- was seen for its domain in the days before (NOT EXISTS), and sender_failing sums a failing source's messages
-- over its baseline. Neither index had (domain, source) together: the (org_id, source_ip) one reads every
-- domain's and day's rows of the address from the table, so the planner hashed the whole look-back instead.
-- INCLUDE: what sender_failing sums, for an index-only scan.
CREATE INDEX rollup_source_daily_org_domain_source_idx ON rollup_source_daily (org_id, domain, source_ip, day)
  INCLUDE (messages, dkim, spf);

-- 2. Summary notifications. A rule that opens (escalates, resolves) more alerts in one check than the
-- installation notifies one by one sends, per channel, one summary for the rest ("N more alerts of rule X
-- opened"): a delivery of no single alert, about its rule, with what it says kept in `summary` (the rule as it
-- was, the counts per event).
ALTER TABLE alert_deliveries ALTER COLUMN alert_id DROP NOT NULL;
ALTER TABLE alert_deliveries ADD COLUMN rule_id bigint REFERENCES alert_rules (id) ON DELETE SET NULL;
ALTER TABLE alert_deliveries ADD COLUMN summary jsonb;
ALTER TABLE alert_deliveries DROP CONSTRAINT alert_deliveries_event_check;
ALTER TABLE alert_deliveries ADD CONSTRAINT alert_deliveries_event_check
  CHECK (event IN ('opened', 'escalated', 'resolved', 'summary'));
ALTER TABLE alert_deliveries ADD CONSTRAINT alert_deliveries_summary_check
  CHECK (CASE WHEN event = 'summary' THEN alert_id IS NULL AND summary IS NOT NULL ELSE alert_id IS NOT NULL END);
