// alert_deliveries: one notification of one alert to one channel, and how its delivery went (migration 009); or
// one summary of a rule's alerts beyond those notified one by one in a check (migration 022).
import type { DeliveryEvent, DeliveryState, NotificationEvent, Severity } from '../model/alerts.js';
import type { Queryable } from './database.js';

/** What a summary delivery says: the rule as it was, and its alerts beyond the ones notified one by one. */
export interface DeliverySummary {
  ruleName: string;
  ruleType: string;
  /** The rule's domain; null: every domain (or a rule about the organisation). */
  domain: string | null;
  /** The rule's alerts of this check notified in the summary, per event. */
  counts: Record<NotificationEvent, number>;
  /** The rule's alerts of this check notified one by one (the cap). */
  notified: number;
}

export interface AlertDelivery {
  id: number;
  orgId: number;
  /** null for a summary. */
  alertId: number | null;
  /** The rule a summary is about (null once it is deleted; null for deliveries of one alert). */
  ruleId: number | null;
  channelId: number | null;
  channelName: string;
  channelType: string;
  event: DeliveryEvent;
  /** What a summary says; null for deliveries of one alert. */
  summary: DeliverySummary | null;
  severity: Severity;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** A delivery of one alert (what an alert's detail lists). */
export type OneAlertDelivery = AlertDelivery & { alertId: number; event: NotificationEvent; summary: null };

const COLUMNS = `id, org_id AS "orgId", alert_id AS "alertId", rule_id AS "ruleId", channel_id AS "channelId",
  channel_name AS "channelName", channel_type AS "channelType", event, summary, severity, state, attempts, last_error AS "lastError", created_at AS "createdAt",
  updated_at AS "updatedAt", delivered_at AS "deliveredAt"`;

export interface NewDelivery {
  alertId: number;
  channelId: number;
  channelName: string;
  channelType: string;
  event: NotificationEvent;
  severity: Severity;
}

export async function insertDelivery(db: Queryable, orgId: number, d: NewDelivery, at: Date): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO alert_deliveries (org_id, alert_id, channel_id, channel_name, channel_type, event, severity, state,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) RETURNING id`,
    [orgId, d.alertId, d.channelId, d.channelName, d.channelType, d.event, d.severity, at],
  );
  return r.rows[0]!.id;
}

/** Several deliveries of alerts at once (one statement); their ids, in the order given. */
export async function insertDeliveries(
  db: Queryable,
  orgId: number,
  list: readonly NewDelivery[],
  at: Date,
): Promise<number[]> {
  if (list.length === 0) return [];
  const r = await db.query<{ id: number }>(
    `INSERT INTO alert_deliveries (org_id, alert_id, channel_id, channel_name, channel_type, event, severity, state,
       created_at, updated_at)
     SELECT $1, (d.v->>'alertId')::bigint, (d.v->>'channelId')::bigint, d.v->>'channelName', d.v->>'channelType',
       d.v->>'event', d.v->>'severity', 'pending', $2, $2
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS d(v, n) ORDER BY d.n
     RETURNING id`,
    [orgId, at, JSON.stringify(list)],
  );
  // ids are given in insertion order, which is the order of the list
  return r.rows.map((x) => x.id).sort((a, b) => a - b);
}

export interface NewSummaryDelivery {
  ruleId: number;
  channelId: number;
  channelName: string;
  channelType: string;
  /** The highest severity among the alerts it sums up. */
  severity: Severity;
  summary: DeliverySummary;
}

export async function insertSummaryDelivery(
  db: Queryable,
  orgId: number,
  d: NewSummaryDelivery,
  at: Date,
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO alert_deliveries (org_id, alert_id, rule_id, channel_id, channel_name, channel_type, event, summary,
       severity, state, created_at, updated_at)
     VALUES ($1, NULL, $2, $3, $4, $5, 'summary', $6::jsonb, $7, 'pending', $8, $8) RETURNING id`,
    [orgId, d.ruleId, d.channelId, d.channelName, d.channelType, JSON.stringify(d.summary), d.severity, at],
  );
  return r.rows[0]!.id;
}

export async function getDelivery(db: Queryable, orgId: number, id: number): Promise<AlertDelivery | undefined> {
  return (
    await db.query<AlertDelivery>(`SELECT ${COLUMNS} FROM alert_deliveries WHERE org_id = $1 AND id = $2`, [orgId, id])
  ).rows[0];
}

/** The outcome of one attempt. */
export async function recordAttempt(
  db: Queryable,
  orgId: number,
  id: number,
  o: { state: DeliveryState; attempts: number; lastError: string | null; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE alert_deliveries SET state = $3, attempts = $4, last_error = $5, updated_at = $6,
       delivered_at = CASE WHEN $3 = 'delivered' THEN $6 ELSE delivered_at END
     WHERE org_id = $1 AND id = $2`,
    [orgId, id, o.state, o.attempts, o.lastError, o.at],
  );
}

/** The deliveries of one alert (summaries are of no single alert). */
export async function listDeliveries(db: Queryable, orgId: number, alertId: number): Promise<OneAlertDelivery[]> {
  return (
    await db.query<OneAlertDelivery>(
      `SELECT ${COLUMNS} FROM alert_deliveries WHERE org_id = $1 AND alert_id = $2 ORDER BY id`,
      [orgId, alertId],
    )
  ).rows;
}

/** Deliveries not sent yet whose latest change is older than `before` (their job was lost, e.g. a restart). */
export async function unsentDeliveries(db: Queryable, orgId: number, before: Date): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    `SELECT id FROM alert_deliveries
     WHERE org_id = $1 AND state IN ('pending', 'retrying') AND updated_at < $2 ORDER BY id LIMIT 1000`,
    [orgId, before],
  );
  return r.rows.map((x) => x.id);
}
