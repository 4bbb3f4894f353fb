// alert_rules: an organisation's alert rules (migration 009). Every statement names the organisation.
import type { Severity } from '../model/alerts.js';
import { AppError } from '../model/errors.js';
import { sqlState, type Queryable } from './database.js';

export interface AlertRule {
  id: number;
  orgId: number;
  name: string;
  type: string;
  /** null: every domain of the organisation. */
  domain: string | null;
  severity: Severity;
  channelIds: number[];
  enabled: boolean;
  params: Record<string, unknown>;
  resolveAfterMinutes: number;
  cooldownMinutes: number;
  notifyOnResolve: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type RuleFields = Pick<
  AlertRule,
  | 'name'
  | 'type'
  | 'domain'
  | 'severity'
  | 'channelIds'
  | 'enabled'
  | 'params'
  | 'resolveAfterMinutes'
  | 'cooldownMinutes'
  | 'notifyOnResolve'
>;

// int8[] as JSON: both drivers then give numbers
const COLUMNS = `id, org_id AS "orgId", name, type, domain, severity, to_jsonb(channel_ids) AS "channelIds", enabled, params,
  resolve_after_minutes AS "resolveAfterMinutes", cooldown_minutes AS "cooldownMinutes",
  notify_on_resolve AS "notifyOnResolve", created_by AS "createdBy", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

/** Another rule (or channel) of the organisation has this name. */
export class NameTakenError extends AppError {
  constructor(what: string, name: string) {
    super('name_taken', `another ${what} is named '${name}'`, {
      errors: [{ field: 'name', message: `another ${what} is named '${name}'` }],
    });
    this.name = 'NameTakenError';
  }
}

/** Runs a write, turning the unique name's violation into a NameTakenError. */
export async function uniqueName<T>(what: string, name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (sqlState(err) === '23505') throw new NameTakenError(what, name);
    throw err;
  }
}

export async function listRules(db: Queryable, orgId: number, opts: { enabledOnly?: boolean } = {}) {
  const r = await db.query<AlertRule>(
    `SELECT ${COLUMNS} FROM alert_rules WHERE org_id = $1 AND ($2::boolean IS NULL OR enabled = $2) ORDER BY id`,
    [orgId, opts.enabledOnly ? true : null],
  );
  return r.rows;
}

export async function getRule(db: Queryable, orgId: number, id: number): Promise<AlertRule | undefined> {
  const r = await db.query<AlertRule>(`SELECT ${COLUMNS} FROM alert_rules WHERE org_id = $1 AND id = $2`, [orgId, id]);
  return r.rows[0];
}

export async function insertRule(
  db: Queryable,
  orgId: number,
  f: RuleFields,
  createdBy: string,
  at: Date,
): Promise<AlertRule> {
  return uniqueName('rule', f.name, async () => {
    const r = await db.query<AlertRule>(
      `INSERT INTO alert_rules (org_id, name, type, domain, severity, channel_ids, enabled, params,
         resolve_after_minutes, cooldown_minutes, notify_on_resolve, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::int8[], $7, $8::jsonb, $9, $10, $11, $12, $13, $13)
       RETURNING ${COLUMNS}`,
      [
        orgId,
        f.name,
        f.type,
        f.domain,
        f.severity,
        f.channelIds,
        f.enabled,
        JSON.stringify(f.params),
        f.resolveAfterMinutes,
        f.cooldownMinutes,
        f.notifyOnResolve,
        createdBy,
        at,
      ],
    );
    return r.rows[0]!;
  });
}

/** Replaces the rule's fields (the caller merged a patch into the stored rule). */
export async function updateRule(
  db: Queryable,
  orgId: number,
  id: number,
  f: RuleFields,
  at: Date,
): Promise<AlertRule | undefined> {
  return uniqueName('rule', f.name, async () => {
    const r = await db.query<AlertRule>(
      `UPDATE alert_rules SET name = $3, type = $4, domain = $5, severity = $6, channel_ids = $7::int8[],
         enabled = $8, params = $9::jsonb, resolve_after_minutes = $10, cooldown_minutes = $11,
         notify_on_resolve = $12, updated_at = $13
       WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        orgId,
        id,
        f.name,
        f.type,
        f.domain,
        f.severity,
        f.channelIds,
        f.enabled,
        JSON.stringify(f.params),
        f.resolveAfterMinutes,
        f.cooldownMinutes,
        f.notifyOnResolve,
        at,
      ],
    );
    return r.rows[0];
  });
}

export async function deleteRule(db: Queryable, orgId: number, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM alert_rules WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount > 0;
}

/** A deleted channel leaves the rules that named it. */
export async function removeChannelFromRules(db: Queryable, orgId: number, channelId: number): Promise<void> {
  await db.query(
    `UPDATE alert_rules SET channel_ids = array_remove(channel_ids, $2::int8)
     WHERE org_id = $1 AND $2::int8 = ANY (channel_ids)`,
    [orgId, channelId],
  );
}
