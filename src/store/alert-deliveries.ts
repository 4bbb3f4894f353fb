// alert_deliveries: one notification of one alert to one channel, and how its delivery went (migration 009).
import type { DeliveryState, NotificationEvent, Severity } from '../model/alerts.js';
import type { Queryable } from './database.js';

export interface AlertDelivery {
  id: number;
  orgId: number;
  alertId: number;
  channelId: number | null;
  channelName: string;
  channelType: string;
  event: NotificationEvent;
  severity: Severity;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `id, org_id AS "orgId", alert_id AS "alertId", channel_id AS "channelId", channel_name AS "channelName",
  channel_type AS "channelType", event, severity, state, attempts, last_error AS "lastError", created_at AS "createdAt",
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

export async function listDeliveries(db: Queryable, orgId: number, alertId: number): Promise<AlertDelivery[]> {
  return (
    await db.query<AlertDelivery>(
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
