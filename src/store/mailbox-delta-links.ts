// The delta links of Microsoft Graph mailboxes (migration 023): one per organisation and mailbox, with the scope
// it lists, so that a link is only given back for the same scope.
import type { Queryable } from './database.js';

/** The stored link of a mailbox when it was made for `scope`; null otherwise (none, or another scope's). */
export async function findDeltaLink(
  db: Queryable,
  orgId: number,
  mailbox: string,
  scope: string,
): Promise<string | null> {
  const r = await db.query<{ delta_link: string }>(
    'SELECT delta_link FROM mailbox_delta_links WHERE org_id = $1 AND mailbox = $2 AND scope = $3',
    [orgId, mailbox, scope],
  );
  return r.rows[0]?.delta_link ?? null;
}

/** Keeps a mailbox's link (replacing the one it had, whatever its scope). */
export async function saveDeltaLink(
  db: Queryable,
  orgId: number,
  mailbox: string,
  scope: string,
  deltaLink: string,
): Promise<void> {
  await db.query(
    `INSERT INTO mailbox_delta_links (org_id, mailbox, scope, delta_link) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, mailbox) DO UPDATE SET scope = EXCLUDED.scope, delta_link = EXCLUDED.delta_link,
       updated_at = now()`,
    [orgId, mailbox, scope, deltaLink],
  );
}

/** Forgets a mailbox's link: its next run lists the whole folder. */
export async function dropDeltaLink(db: Queryable, orgId: number, mailbox: string): Promise<void> {
  await db.query('DELETE FROM mailbox_delta_links WHERE org_id = $1 AND mailbox = $2', [orgId, mailbox]);
}
