// The audit log: who did what to what, when, from where, and whether it worked.
import type { Database, Queryable } from '../store/database.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEntry {
  /** The organisation whose data or members the action concerns; absent for platform-wide actions (logins). */
  orgId?: number | null;
  actorId: number | null;
  /** E-mail of the actor, or 'anonymous'. */
  actor: string;
  action: string;
  target?: string | null;
  ip?: string | null;
  outcome: AuditOutcome;
  /** Never secrets: no passwords, tokens or keys. */
  details?: Record<string, unknown>;
}

export interface AuditItem {
  id: number;
  at: Date;
  actor: string;
  actorId: number | null;
  action: string;
  target: string | null;
  ip: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
}

export async function audit(db: Queryable, e: AuditEntry, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, actor_id, actor, action, target, ip, outcome, details, org_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
    [
      at,
      e.actorId,
      e.actor,
      e.action,
      e.target ?? null,
      e.ip ?? null,
      e.outcome,
      JSON.stringify(e.details ?? {}),
      e.orgId ?? null,
    ],
  );
}

/** Several entries at once, in their order (one statement: the alert check opening many alerts). */
export async function auditMany(db: Queryable, entries: readonly AuditEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (at, actor_id, actor, action, target, ip, outcome, details, org_id)
     SELECT $1, (e.v->>'actorId')::bigint, e.v->>'actor', e.v->>'action', e.v->>'target', e.v->>'ip',
       e.v->>'outcome', e.v->'details', (e.v->>'orgId')::bigint
     FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, n) ORDER BY e.n`,
    [
      at,
      JSON.stringify(
        entries.map((e) => ({
          actorId: e.actorId,
          actor: e.actor,
          action: e.action,
          target: e.target ?? null,
          ip: e.ip ?? null,
          outcome: e.outcome,
          details: e.details ?? {},
          orgId: e.orgId ?? null,
        })),
      ),
    ],
  );
}

/**
 * An entry that an attacker can repeat at will (a blocked login): the first of its group since `since` is
 * written, with `details.count` 1; each repeat adds one to that row's count and sets `details.lastAt`, instead of
 * a row of its own, so that the log says how many there were and cannot be flooded. A group is a string naming
 * what repeats (kept in `details.group`); the repeats of one group are serialised by an advisory lock, so that
 * parallel ones still make one row.
 */
export async function auditRepeated(
  db: Database,
  e: AuditEntry,
  group: { key: string; since: Date },
  at: Date,
): Promise<{ count: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [group.key]);
    const r = await tx.query<{ count: number }>(
      `UPDATE audit_log
          SET details = details || jsonb_build_object('count', (details->>'count')::int + 1, 'lastAt', $4::text)
        WHERE action = $1 AND outcome = $2 AND at >= $3 AND details->>'group' = $5
        RETURNING (details->>'count')::int AS count`,
      [e.action, e.outcome, group.since, at.toISOString(), group.key],
    );
    if (r.rows[0]) return { count: r.rows[0].count };
    await audit(tx, { ...e, details: { ...e.details, group: group.key, count: 1, lastAt: at.toISOString() } }, at);
    return { count: 1 };
  });
}

export interface AuditFilter {
  /** The organisation's entries. */
  orgId: number;
  /** Also the platform-wide entries (logins, organisation management): platform administrators. */
  includePlatform?: boolean;
  action?: string;
  actor?: string;
  outcome?: AuditOutcome;
}

export async function listAudit(
  db: Queryable,
  f: AuditFilter,
  opts: { limit: number; beforeId?: number },
): Promise<{ items: AuditItem[]; total: number; nextBeforeId: number | null }> {
  const cond: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown): void => {
    params.push(v);
    cond.push(sql.replace('?', `$${params.length}`));
  };
  add(f.includePlatform ? '(org_id = ? OR org_id IS NULL)' : 'org_id = ?', f.orgId);
  if (f.action) add('action = ?', f.action);
  if (f.actor) add('lower(actor) = lower(?)', f.actor);
  if (f.outcome) add('outcome = ?', f.outcome);
  const countParams = [...params];
  const countWhere = cond.length ? `WHERE ${cond.join(' AND ')}` : '';
  if (opts.beforeId !== undefined) add('id < ?', opts.beforeId);
  params.push(opts.limit + 1);
  const r = await db.query<AuditItem>(
    `SELECT id, at, actor, actor_id AS "actorId", action, target, ip, outcome, details FROM audit_log
     ${cond.length ? `WHERE ${cond.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const total =
    (await db.query<{ n: number }>(`SELECT count(*) AS n FROM audit_log ${countWhere}`, countParams)).rows[0]?.n ?? 0;
  const page = r.rows.slice(0, opts.limit);
  return { items: page, total, nextBeforeId: r.rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null };
}
