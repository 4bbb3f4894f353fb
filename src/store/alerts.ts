// alerts and alert_events: the alerts of an organisation and the history of each (migration 009). What changes
// when is the lifecycle's business (alerts/lifecycle.ts); this module reads and writes rows, always within one
// organisation.
import type { AlertState, Severity } from '../model/alerts.js';
import type { Queryable } from './database.js';

export interface Alert {
  id: number;
  orgId: number;
  ruleId: number | null;
  ruleName: string;
  ruleType: string;
  fingerprint: string;
  domain: string | null;
  subject: string | null;
  severity: Severity;
  state: AlertState;
  summary: string;
  figures: Record<string, unknown>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
  clearSince: Date | null;
  suppressed: boolean;
  suppressedBy: number | null;
  notifiedSeverity: Severity | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  updatedAt: Date;
}

const COLUMNS = `id, org_id AS "orgId", rule_id AS "ruleId", rule_name AS "ruleName", rule_type AS "ruleType",
  fingerprint, domain, subject, severity, state, summary, figures, first_seen_at AS "firstSeenAt",
  last_seen_at AS "lastSeenAt", occurrences, clear_since AS "clearSince", suppressed,
  suppressed_by AS "suppressedBy", notified_severity AS "notifiedSeverity", acknowledged_at AS "acknowledgedAt",
  acknowledged_by AS "acknowledgedBy", resolved_at AS "resolvedAt", resolved_by AS "resolvedBy",
  updated_at AS "updatedAt"`;

export type NewAlert = Pick<
  Alert,
  | 'ruleId'
  | 'ruleName'
  | 'ruleType'
  | 'fingerprint'
  | 'domain'
  | 'subject'
  | 'severity'
  | 'summary'
  | 'figures'
  | 'suppressed'
  | 'suppressedBy'
>;

export async function insertAlert(db: Queryable, orgId: number, a: NewAlert, at: Date): Promise<Alert> {
  const r = await db.query<Alert>(
    `INSERT INTO alerts (org_id, rule_id, rule_name, rule_type, fingerprint, domain, subject, severity, state,
       summary, figures, first_seen_at, last_seen_at, occurrences, suppressed, suppressed_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10::jsonb, $11, $11, 1, $12, $13, $11)
     RETURNING ${COLUMNS}`,
    [
      orgId,
      a.ruleId,
      a.ruleName,
      a.ruleType,
      a.fingerprint,
      a.domain,
      a.subject,
      a.severity,
      a.summary,
      JSON.stringify(a.figures),
      at,
      a.suppressed,
      a.suppressedBy,
    ],
  );
  return r.rows[0]!;
}

/** Several new alerts at once (one statement), in their order; `notifiedSeverity` as given. */
export async function insertAlerts(
  db: Queryable,
  orgId: number,
  list: readonly (NewAlert & Pick<Alert, 'notifiedSeverity'>)[],
  at: Date,
): Promise<Alert[]> {
  if (list.length === 0) return [];
  const r = await db.query<Alert>(
    `INSERT INTO alerts (org_id, rule_id, rule_name, rule_type, fingerprint, domain, subject, severity, state,
       summary, figures, first_seen_at, last_seen_at, occurrences, suppressed, suppressed_by, notified_severity,
       updated_at)
     SELECT $1, (a.v->>'ruleId')::bigint, a.v->>'ruleName', a.v->>'ruleType', a.v->>'fingerprint', a.v->>'domain',
       a.v->>'subject', a.v->>'severity', 'open', a.v->>'summary', a.v->'figures', $2, $2, 1,
       (a.v->>'suppressed')::boolean, (a.v->>'suppressedBy')::bigint, a.v->>'notifiedSeverity', $2
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS a(v, n) ORDER BY a.n
     RETURNING ${COLUMNS}`,
    [orgId, at, JSON.stringify(list)],
  );
  // RETURNING promises no order: back in the order given, by fingerprint (unique among unresolved alerts)
  const byFingerprint = new Map(r.rows.map((a) => [a.fingerprint, a]));
  return list.map((a) => byFingerprint.get(a.fingerprint)!);
}

/** The columns an update may set. */
export type AlertChanges = Partial<
  Pick<
    Alert,
    | 'severity'
    | 'state'
    | 'summary'
    | 'figures'
    | 'lastSeenAt'
    | 'occurrences'
    | 'clearSince'
    | 'suppressed'
    | 'suppressedBy'
    | 'notifiedSeverity'
    | 'acknowledgedAt'
    | 'acknowledgedBy'
    | 'resolvedAt'
    | 'resolvedBy'
    | 'updatedAt'
  >
>;

const CHANGE_COLUMNS: Record<keyof AlertChanges, string> = {
  severity: 'severity',
  state: 'state',
  summary: 'summary',
  figures: 'figures',
  lastSeenAt: 'last_seen_at',
  occurrences: 'occurrences',
  clearSince: 'clear_since',
  suppressed: 'suppressed',
  suppressedBy: 'suppressed_by',
  notifiedSeverity: 'notified_severity',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  updatedAt: 'updated_at',
};

export async function updateAlert(db: Queryable, orgId: number, id: number, c: AlertChanges): Promise<Alert> {
  const sets: string[] = [];
  const params: unknown[] = [orgId, id];
  for (const [key, value] of Object.entries(c) as [keyof AlertChanges, unknown][]) {
    if (value === undefined) continue;
    params.push(key === 'figures' ? JSON.stringify(value) : value);
    sets.push(`${CHANGE_COLUMNS[key]} = $${params.length}${key === 'figures' ? '::jsonb' : ''}`);
  }
  const r = await db.query<Alert>(
    `UPDATE alerts SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    params,
  );
  return r.rows[0]!;
}

export async function getAlert(db: Queryable, orgId: number, id: number): Promise<Alert | undefined> {
  return (await db.query<Alert>(`SELECT ${COLUMNS} FROM alerts WHERE org_id = $1 AND id = $2`, [orgId, id])).rows[0];
}

/** The organisation's alerts that are not resolved (at most one per fingerprint). */
export async function listUnresolvedAlerts(db: Queryable, orgId: number): Promise<Alert[]> {
  return (
    await db.query<Alert>(`SELECT ${COLUMNS} FROM alerts WHERE org_id = $1 AND state <> 'resolved' ORDER BY id`, [
      orgId,
    ])
  ).rows;
}

/** When each fingerprint's latest alert was resolved, for those resolved after `since` (cooldowns). */
export async function recentlyResolved(db: Queryable, orgId: number, since: Date): Promise<Map<string, Date>> {
  const r = await db.query<{ fingerprint: string; at: Date }>(
    `SELECT fingerprint, max(resolved_at) AS at FROM alerts
     WHERE org_id = $1 AND state = 'resolved' AND resolved_at > $2 GROUP BY fingerprint`,
    [orgId, since],
  );
  return new Map(r.rows.map((x) => [x.fingerprint, x.at]));
}

export interface AlertFilter {
  orgId: number;
  /** 'unresolved': open or acknowledged. */
  states?: AlertState[];
  severity?: Severity;
  domain?: string;
  ruleId?: number;
  suppressed?: boolean;
}

/** Alerts newest first, keyset-paged on the id. */
export async function listAlerts(
  db: Queryable,
  f: AlertFilter,
  opts: { limit: number; beforeId?: number },
): Promise<{ items: Alert[]; total: number; nextBeforeId: number | null }> {
  const params: unknown[] = [f.orgId];
  const cond = ['org_id = $1'];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    cond.push(sql.replace('?', `$${params.length}`));
  };
  if (f.states) add('state = ANY (?::text[])', f.states);
  if (f.severity) add('severity = ?', f.severity);
  if (f.domain) add('domain = ?', f.domain);
  if (f.ruleId !== undefined) add('rule_id = ?', f.ruleId);
  if (f.suppressed !== undefined) add('suppressed = ?', f.suppressed);
  const where = cond.join(' AND ');
  const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE ${where}`, params)).rows[0]!
    .n;
  const pageParams = [...params];
  let pageWhere = where;
  if (opts.beforeId !== undefined) {
    pageParams.push(opts.beforeId);
    pageWhere += ` AND id < $${pageParams.length}`;
  }
  pageParams.push(opts.limit + 1);
  const r = await db.query<Alert>(
    `SELECT ${COLUMNS} FROM alerts WHERE ${pageWhere} ORDER BY id DESC LIMIT $${pageParams.length}`,
    pageParams,
  );
  const items = r.rows.slice(0, opts.limit);
  return { items, total, nextBeforeId: r.rows.length > opts.limit ? (items[items.length - 1]?.id ?? null) : null };
}

/** Open alerts (not acknowledged, not resolved) by severity: the navigation's badge. */
export async function countOpenAlerts(db: Queryable, orgId: number): Promise<Record<Severity, number>> {
  const r = await db.query<{ severity: Severity; n: number }>(
    `SELECT severity, count(*)::int AS n FROM alerts WHERE org_id = $1 AND state = 'open' GROUP BY severity`,
    [orgId],
  );
  const out: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  for (const row of r.rows) out[row.severity] = row.n;
  return out;
}

// ---- history ----

export interface AlertEvent {
  id: number;
  alertId: number;
  at: Date;
  actorId: number | null;
  /** An e-mail address, or 'system' for the evaluation. */
  actor: string;
  action: string;
  fromState: AlertState | null;
  toState: AlertState | null;
  note: string | null;
  details: Record<string, unknown>;
}

export type NewAlertEvent = Omit<AlertEvent, 'id'>;

export async function insertAlertEvent(db: Queryable, orgId: number, e: NewAlertEvent): Promise<void> {
  await db.query(
    `INSERT INTO alert_events (org_id, alert_id, at, actor_id, actor, action, from_state, to_state, note, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
    [orgId, e.alertId, e.at, e.actorId, e.actor, e.action, e.fromState, e.toState, e.note, JSON.stringify(e.details)],
  );
}

/** Several history entries at once (one statement), in their order. */
export async function insertAlertEvents(db: Queryable, orgId: number, list: readonly NewAlertEvent[]): Promise<void> {
  if (list.length === 0) return;
  await db.query(
    `INSERT INTO alert_events (org_id, alert_id, at, actor_id, actor, action, from_state, to_state, note, details)
     SELECT $1, (e.v->>'alertId')::bigint, (e.v->>'at')::timestamptz, (e.v->>'actorId')::bigint, e.v->>'actor',
       e.v->>'action', e.v->>'fromState', e.v->>'toState', e.v->>'note', e.v->'details'
     FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, n) ORDER BY e.n`,
    [orgId, JSON.stringify(list)],
  );
}

export async function listAlertEvents(db: Queryable, orgId: number, alertId: number): Promise<AlertEvent[]> {
  return (
    await db.query<AlertEvent>(
      `SELECT id, alert_id AS "alertId", at, actor_id AS "actorId", actor, action, from_state AS "fromState",
         to_state AS "toState", note, details
       FROM alert_events WHERE org_id = $1 AND alert_id = $2 ORDER BY id`,
      [orgId, alertId],
    )
  ).rows;
}
