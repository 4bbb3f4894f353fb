// ml_models (migration 015): an organisation's anomaly models, versioned per organisation, one of them active.
// The model's contents (parameters, feature statistics, forest, score distribution) are JSON the analytics layer
// writes and reads; here they are only stored. Every statement names the organisation.
import type { Database, Queryable } from './database.js';

export interface NewModel {
  parameters: object;
  features: object[];
  forest: object;
  windowFrom: string;
  windowTo: string;
  samples: number;
  scoreDistribution: object;
  threshold: number;
  createdBy: number | null;
}

/** A model without its trees (what lists show). */
export interface ModelSummary {
  id: number;
  version: number;
  kind: string;
  parameters: Record<string, unknown>;
  features: Record<string, unknown>[];
  windowFrom: string;
  windowTo: string;
  samples: number;
  scoreDistribution: Record<string, number>;
  threshold: number;
  createdBy: number | null;
  createdByEmail: string | null;
  createdAt: string;
  active: boolean;
  predictions: number;
  anomalous: number;
}

export interface StoredModel extends ModelSummary {
  forest: unknown;
}

interface Row extends Omit<ModelSummary, 'createdAt'> {
  createdAt: Date;
  forest?: unknown;
}

const COLUMNS = `m.id, m.version, m.kind, m.parameters, m.features, to_char(m.window_from, 'YYYY-MM-DD') AS "windowFrom",
  to_char(m.window_to, 'YYYY-MM-DD') AS "windowTo", m.samples, m.score_distribution AS "scoreDistribution",
  m.threshold, m.created_by AS "createdBy", u.email AS "createdByEmail", m.created_at AS "createdAt", m.active,
  (SELECT count(*) FROM ml_predictions p WHERE p.model_id = m.id)::int8 AS predictions,
  (SELECT count(*) FROM ml_predictions p WHERE p.model_id = m.id AND p.anomalous)::int8 AS anomalous`;

const FROM = `ml_models m LEFT JOIN users u ON u.id = m.created_by`;

const fromRow = (r: Row): StoredModel => ({
  ...r,
  id: Number(r.id),
  createdBy: r.createdBy === null ? null : Number(r.createdBy),
  createdAt: new Date(r.createdAt).toISOString(),
  forest: r.forest,
});

/** Stores a new version (the organisation's next number); active when `activate` (the one active model then). */
export async function insertModel(db: Database, orgId: number, m: NewModel, activate: boolean): Promise<StoredModel> {
  const id = await db.transaction(async (tx) => {
    // one writer of the organisation's versions at a time: the next number is taken under this lock
    await tx.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
    if (activate) await tx.query('UPDATE ml_models SET active = false WHERE org_id = $1 AND active', [orgId]);
    const r = await tx.query<{ id: number }>(
      `INSERT INTO ml_models (org_id, version, parameters, features, forest, window_from, window_to, samples,
         score_distribution, threshold, created_by, active)
       VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM ml_models WHERE org_id = $1), $2::jsonb, $3::jsonb,
         $4::jsonb, $5::date, $6::date, $7, $8::jsonb, $9, $10, $11)
       RETURNING id`,
      [
        orgId,
        JSON.stringify(m.parameters),
        JSON.stringify(m.features),
        JSON.stringify(m.forest),
        m.windowFrom,
        m.windowTo,
        m.samples,
        JSON.stringify(m.scoreDistribution),
        m.threshold,
        m.createdBy,
        activate,
      ],
    );
    return Number(r.rows[0]!.id);
  });
  return (await getModel(db, orgId, id, { forest: false }))!;
}

export async function hasModel(db: Queryable, orgId: number): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM ml_models WHERE org_id = $1 LIMIT 1', [orgId]);
  return r.rows.length > 0;
}

/** The organisation's models, newest version first (without their trees). */
export async function listModels(db: Queryable, orgId: number): Promise<ModelSummary[]> {
  const r = await db.query<Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE m.org_id = $1 ORDER BY m.version DESC`, [orgId]);
  return r.rows.map((row) => {
    const { forest: _forest, ...summary } = fromRow(row);
    return summary;
  });
}

export async function getModel(
  db: Queryable,
  orgId: number,
  id: number,
  o: { forest: boolean },
): Promise<StoredModel | undefined> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS}${o.forest ? ', m.forest' : ''} FROM ${FROM} WHERE m.org_id = $1 AND m.id = $2`,
    [orgId, id],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function activeModel(db: Queryable, orgId: number): Promise<StoredModel | undefined> {
  const r = await db.query<Row>(`SELECT ${COLUMNS}, m.forest FROM ${FROM} WHERE m.org_id = $1 AND m.active`, [orgId]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** Makes the model the organisation's active one; false when it has no such model. */
export async function activateModel(db: Database, orgId: number, id: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const exists = await tx.query('SELECT 1 FROM ml_models WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
    if (exists.rows.length === 0) return false;
    await tx.query('UPDATE ml_models SET active = false WHERE org_id = $1 AND active AND id <> $2', [orgId, id]);
    await tx.query('UPDATE ml_models SET active = true WHERE org_id = $1 AND id = $2', [orgId, id]);
    return true;
  });
}

/** Deletes an inactive model with its predictions: 'deleted', 'active' (refused) or 'missing'. */
export async function deleteModel(db: Queryable, orgId: number, id: number): Promise<'deleted' | 'active' | 'missing'> {
  const r = await db.query<{ active: boolean }>(
    `WITH target AS (SELECT id, active FROM ml_models WHERE org_id = $1 AND id = $2),
          gone AS (DELETE FROM ml_models m USING target t WHERE m.id = t.id AND NOT t.active RETURNING m.id)
     SELECT t.active FROM target t`,
    [orgId, id],
  );
  const row = r.rows[0];
  return row === undefined ? 'missing' : row.active ? 'active' : 'deleted';
}

/** Deletes the oldest inactive versions beyond the `keep` newest inactive ones; returns how many went. */
export async function pruneModels(db: Queryable, orgId: number, keep: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM ml_models WHERE id IN (
       SELECT id FROM ml_models WHERE org_id = $1 AND NOT active ORDER BY version DESC OFFSET $2)`,
    [orgId, keep],
  );
  return r.rowCount;
}
