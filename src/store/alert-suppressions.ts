// alert_suppressions: when an organisation's breaches are recorded but not notified (maintenance windows,
// migration 009). Whether one is active at a given time is the alerting code's (alerts/suppressions.ts).
import type { Queryable } from './database.js';

export interface AlertSuppression {
  id: number;
  orgId: number;
  ruleId: number | null;
  domain: string | null;
  subject: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  cron: string | null;
  timezone: string;
  durationMinutes: number | null;
  reason: string;
  createdById: number | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type SuppressionFields = Pick<
  AlertSuppression,
  'ruleId' | 'domain' | 'subject' | 'startsAt' | 'endsAt' | 'cron' | 'timezone' | 'durationMinutes' | 'reason'
>;

const COLUMNS = `id, org_id AS "orgId", rule_id AS "ruleId", domain, subject, starts_at AS "startsAt",
  ends_at AS "endsAt", cron, timezone, duration_minutes AS "durationMinutes", reason,
  created_by_id AS "createdById", created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function listSuppressions(db: Queryable, orgId: number): Promise<AlertSuppression[]> {
  return (
    await db.query<AlertSuppression>(`SELECT ${COLUMNS} FROM alert_suppressions WHERE org_id = $1 ORDER BY id`, [orgId])
  ).rows;
}

export async function getSuppression(db: Queryable, orgId: number, id: number): Promise<AlertSuppression | undefined> {
  const r = await db.query<AlertSuppression>(
    `SELECT ${COLUMNS} FROM alert_suppressions WHERE org_id = $1 AND id = $2`,
    [orgId, id],
  );
  return r.rows[0];
}

export async function insertSuppression(
  db: Queryable,
  orgId: number,
  f: SuppressionFields,
  by: { id: number | null; email: string },
  at: Date,
): Promise<AlertSuppression> {
  const r = await db.query<AlertSuppression>(
    `INSERT INTO alert_suppressions (org_id, rule_id, domain, subject, starts_at, ends_at, cron, timezone,
       duration_minutes, reason, created_by_id, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ${COLUMNS}`,
    [
      orgId,
      f.ruleId,
      f.domain,
      f.subject,
      f.startsAt,
      f.endsAt,
      f.cron,
      f.timezone,
      f.durationMinutes,
      f.reason,
      by.id,
      by.email,
      at,
    ],
  );
  return r.rows[0]!;
}

export async function updateSuppression(
  db: Queryable,
  orgId: number,
  id: number,
  f: SuppressionFields,
  at: Date,
): Promise<AlertSuppression | undefined> {
  const r = await db.query<AlertSuppression>(
    `UPDATE alert_suppressions SET rule_id = $3, domain = $4, subject = $5, starts_at = $6, ends_at = $7, cron = $8,
       timezone = $9, duration_minutes = $10, reason = $11, updated_at = $12
     WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [
      orgId,
      id,
      f.ruleId,
      f.domain,
      f.subject,
      f.startsAt,
      f.endsAt,
      f.cron,
      f.timezone,
      f.durationMinutes,
      f.reason,
      at,
    ],
  );
  return r.rows[0];
}

export async function deleteSuppression(db: Queryable, orgId: number, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM alert_suppressions WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount > 0;
}
