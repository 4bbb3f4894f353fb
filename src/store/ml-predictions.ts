// ml_predictions (migration 015): what a model said of each source IP and day — score, anomalous or not, the
// features and the explanation. Reads are of the organisation's active model unless a model is named. Every
// statement names the organisation.
import { CopyBuffer } from './copy-text.js';
import type { Database, Queryable } from './database.js';

export interface NewPrediction {
  ip: string;
  day: string;
  score: number;
  anomalous: boolean;
  features: object;
  explanation: object[];
}

export interface StoredPrediction {
  modelId: number;
  modelVersion: number;
  ip: string;
  day: string;
  score: number;
  anomalous: boolean;
  features: Record<string, unknown>;
  explanation: { feature: string; value: number | null; z: number; text: string }[];
  createdAt: string;
}

interface Row extends Omit<StoredPrediction, 'createdAt'> {
  createdAt: Date;
}

const COLUMNS = `p.model_id AS "modelId", m.version AS "modelVersion", host(p.ip) AS ip,
  to_char(p.day, 'YYYY-MM-DD') AS day, p.score, p.anomalous, p.features, p.explanation, p.created_at AS "createdAt"`;

const fromRow = (r: Row): StoredPrediction => ({
  ...r,
  modelId: Number(r.modelId),
  createdAt: new Date(r.createdAt).toISOString(),
});

/** Replaces the model's predictions of the days from..to with these. */
export async function replacePredictions(
  db: Database,
  orgId: number,
  modelId: number,
  days: { from: string; to: string },
  predictions: readonly NewPrediction[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      'DELETE FROM ml_predictions WHERE org_id = $1 AND model_id = $2 AND day BETWEEN $3::date AND $4::date',
      [orgId, modelId, days.from, days.to],
    );
    if (predictions.length === 0) return;
    const buf = new CopyBuffer();
    for (const p of predictions) {
      const { ip, day, score, anomalous, features, explanation } = p;
      buf.add([
        orgId,
        modelId,
        ip,
        day,
        score,
        anomalous ? 't' : 'f',
        JSON.stringify(features),
        JSON.stringify(explanation),
      ]);
    }
    await tx.copyFrom(
      'ml_predictions',
      ['org_id', 'model_id', 'ip', 'day', 'score', 'anomalous', 'features', 'explanation'],
      buf.toString(),
    );
  });
}

export interface AnomalyQuery {
  from?: string;
  to?: string;
  domain?: string;
  /** Only the anomalous ones (default); false: every prediction. */
  anomalousOnly: boolean;
  limit: number;
  offset: number;
}

/** The active model's predictions, highest score first. */
export async function listAnomalies(
  db: Queryable,
  orgId: number,
  q: AnomalyQuery,
): Promise<{ items: StoredPrediction[]; total: number }> {
  const where = `p.org_id = $1 AND m.active AND ($2::date IS NULL OR p.day >= $2::date)
    AND ($3::date IS NULL OR p.day <= $3::date) AND ($4::text IS NULL OR p.features->'domains' ? $4::text)
    AND (p.anomalous OR NOT $5::boolean)`;
  const params = [orgId, q.from ?? null, q.to ?? null, q.domain ?? null, q.anomalousOnly];
  const from = 'ml_predictions p JOIN ml_models m ON m.id = p.model_id AND m.org_id = p.org_id';
  const [items, total] = await Promise.all([
    db.query<Row>(
      `SELECT ${COLUMNS} FROM ${from} WHERE ${where} ORDER BY p.score DESC, p.day DESC, p.ip LIMIT $6 OFFSET $7`,
      [...params, q.limit, q.offset],
    ),
    db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${from} WHERE ${where}`, params),
  ]);
  return { items: items.rows.map(fromRow), total: Number(total.rows[0]?.n ?? 0) };
}

/** Every prediction of one address (any of the organisation's models), newest day first. */
export async function predictionsOfIp(
  db: Queryable,
  orgId: number,
  ip: string,
  limit: number,
): Promise<StoredPrediction[]> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ml_predictions p JOIN ml_models m ON m.id = p.model_id
     WHERE p.org_id = $1 AND p.ip = $2::inet ORDER BY p.day DESC, m.version DESC LIMIT $3`,
    [orgId, ip, limit],
  );
  return r.rows.map(fromRow);
}

/** The addresses the active model marked anomalous on the days from..to (alerts read these). */
export async function anomalousSources(
  db: Queryable,
  orgId: number,
  days: { from: string; to: string },
): Promise<StoredPrediction[]> {
  const r = await db.query<Row>(
    `SELECT DISTINCT ON (p.ip) ${COLUMNS}
     FROM ml_predictions p JOIN ml_models m ON m.id = p.model_id AND m.active
     WHERE p.org_id = $1 AND p.anomalous AND p.day BETWEEN $2::date AND $3::date
     ORDER BY p.ip, p.score DESC`,
    [orgId, days.from, days.to],
  );
  return r.rows.map(fromRow);
}

/** The last day the model has predictions for, or null. */
export async function lastPredictedDay(db: Queryable, orgId: number, modelId: number): Promise<string | null> {
  const r = await db.query<{ day: string | null }>(
    `SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM ml_predictions WHERE org_id = $1 AND model_id = $2`,
    [orgId, modelId],
  );
  return r.rows[0]?.day ?? null;
}

/** An address's most anomalous day under the active model: what the sources table marks. */
export interface SourceAnomaly {
  score: number;
  day: string;
}

/**
 * For each of these addresses, its highest-scoring anomalous day under the active model within from..to (either
 * open), of the domain when one is named; addresses without one are absent. One statement for a page of sources.
 */
export async function anomaliesOfIps(
  db: Queryable,
  orgId: number,
  ips: readonly string[],
  q: { from?: string; to?: string; domain?: string },
): Promise<Map<string, SourceAnomaly>> {
  if (ips.length === 0) return new Map();
  const r = await db.query<{ ip: string; score: number; day: string }>(
    `SELECT DISTINCT ON (p.ip) host(p.ip) AS ip, p.score, to_char(p.day, 'YYYY-MM-DD') AS day
     FROM ml_predictions p JOIN ml_models m ON m.id = p.model_id AND m.org_id = p.org_id AND m.active
     WHERE p.org_id = $1 AND p.anomalous AND p.ip = ANY($2::inet[])
       AND ($3::date IS NULL OR p.day >= $3::date) AND ($4::date IS NULL OR p.day <= $4::date)
       AND ($5::text IS NULL OR p.features->'domains' ? $5::text)
     ORDER BY p.ip, p.score DESC, p.day DESC`,
    [orgId, ips, q.from ?? null, q.to ?? null, q.domain ?? null],
  );
  return new Map(r.rows.map((x) => [x.ip, { score: Number(x.score), day: x.day }]));
}
