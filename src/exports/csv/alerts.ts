// alerts.csv: the organisation's alerts matching the alerts list's filters (state, severity, domain, rule,
// suppressed), newest first, keyset-paged on the id.
import type { Queryable } from '../../store/database.js';
import { listAlerts, type Alert, type AlertFilter } from '../../store/alerts.js';
import type { Column } from './cells.js';
import { iso } from './records.js';
import type { ExportKind } from './stream.js';

export const ALERT_COLUMNS: readonly Column<Alert>[] = [
  { name: 'id', type: 'number', get: (a) => a.id },
  { name: 'severity', type: 'text', get: (a) => a.severity },
  { name: 'state', type: 'text', get: (a) => a.state },
  { name: 'rule', type: 'number', get: (a) => a.ruleId },
  { name: 'rule_name', type: 'text', get: (a) => a.ruleName },
  { name: 'rule_type', type: 'text', get: (a) => a.ruleType },
  { name: 'domain', type: 'text', get: (a) => a.domain },
  { name: 'subject', type: 'text', get: (a) => a.subject },
  { name: 'summary', type: 'text', get: (a) => a.summary },
  { name: 'first_seen_at', type: 'text', get: (a) => iso(a.firstSeenAt) },
  { name: 'last_seen_at', type: 'text', get: (a) => iso(a.lastSeenAt) },
  { name: 'occurrences', type: 'number', get: (a) => a.occurrences },
  { name: 'suppressed', type: 'boolean', get: (a) => a.suppressed },
  { name: 'acknowledged_at', type: 'text', get: (a) => iso(a.acknowledgedAt) },
  { name: 'acknowledged_by', type: 'text', get: (a) => a.acknowledgedBy },
  { name: 'resolved_at', type: 'text', get: (a) => iso(a.resolvedAt) },
  { name: 'resolved_by', type: 'text', get: (a) => a.resolvedBy },
];

export const alertsExport: ExportKind<AlertFilter, Alert> = {
  name: 'alerts',
  columns: ALERT_COLUMNS,
  async *pages(db: Queryable, f, opts) {
    const limit = opts.pageSize ?? 5000;
    let beforeId: number | undefined;
    for (;;) {
      if (opts.signal?.aborted) return;
      const page = await listAlerts(db, f, { limit, beforeId });
      if (page.items.length > 0) yield page.items;
      if (page.nextBeforeId === null) return;
      beforeId = page.nextBeforeId;
    }
  },
  async count(db, f) {
    return (await listAlerts(db, f, { limit: 1 })).total;
  },
};
