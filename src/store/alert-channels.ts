// alert_channels: where an organisation's notifications go (migration 009). The config holds secrets (webhook
// URLs, signing secrets): it leaves this module as stored, and the alerting code masks it for every answer.
import type { Queryable } from './database.js';
import { uniqueName } from './alert-rules.js';

export interface AlertChannel {
  id: number;
  orgId: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ChannelFields = Pick<AlertChannel, 'name' | 'type' | 'config' | 'enabled'>;

const COLUMNS = `id, org_id AS "orgId", name, type, config, enabled, created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function listChannels(db: Queryable, orgId: number): Promise<AlertChannel[]> {
  return (await db.query<AlertChannel>(`SELECT ${COLUMNS} FROM alert_channels WHERE org_id = $1 ORDER BY id`, [orgId]))
    .rows;
}

export async function getChannel(db: Queryable, orgId: number, id: number): Promise<AlertChannel | undefined> {
  const r = await db.query<AlertChannel>(`SELECT ${COLUMNS} FROM alert_channels WHERE org_id = $1 AND id = $2`, [
    orgId,
    id,
  ]);
  return r.rows[0];
}

/** The ids among `ids` that are channels of the organisation. */
export async function existingChannelIds(db: Queryable, orgId: number, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const r = await db.query<{ id: number }>(
    'SELECT id FROM alert_channels WHERE org_id = $1 AND id = ANY ($2::int8[]) ORDER BY id',
    [orgId, ids],
  );
  return r.rows.map((x) => x.id);
}

export async function insertChannel(db: Queryable, orgId: number, f: ChannelFields, at: Date): Promise<AlertChannel> {
  return uniqueName('channel', f.name, async () => {
    const r = await db.query<AlertChannel>(
      `INSERT INTO alert_channels (org_id, name, type, config, enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6) RETURNING ${COLUMNS}`,
      [orgId, f.name, f.type, JSON.stringify(f.config), f.enabled, at],
    );
    return r.rows[0]!;
  });
}

export async function updateChannel(
  db: Queryable,
  orgId: number,
  id: number,
  f: ChannelFields,
  at: Date,
): Promise<AlertChannel | undefined> {
  return uniqueName('channel', f.name, async () => {
    const r = await db.query<AlertChannel>(
      `UPDATE alert_channels SET name = $3, type = $4, config = $5::jsonb, enabled = $6, updated_at = $7
       WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [orgId, id, f.name, f.type, JSON.stringify(f.config), f.enabled, at],
    );
    return r.rows[0];
  });
}

export async function deleteChannel(db: Queryable, orgId: number, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM alert_channels WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount > 0;
}
