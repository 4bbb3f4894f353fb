// Memberships: a user's role in an organisation. Read on every request (roles are never carried in tokens or keys),
// so that a role change or a removal takes effect at once.
import type { Queryable } from './database.js';
import type { Organization } from './organizations.js';

export type MemberRole = 'admin' | 'analyst' | 'viewer';

export interface Membership {
  userId: number;
  orgId: number;
  role: MemberRole;
  createdAt: Date;
}

/** An organisation as one user sees it: with their role there (null: not a member). */
export interface OrgAccess extends Organization {
  role: MemberRole | null;
}

const ORG = `o.id, o.slug, o.name, o.created_at AS "createdAt"`;

/** The organisation with this slug and the user's role in it, in one query; undefined when there is none. */
export async function orgAccessBySlug(db: Queryable, userId: number, slug: string): Promise<OrgAccess | undefined> {
  const r = await db.query<OrgAccess>(
    `SELECT ${ORG}, m.role FROM organizations o
     LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = $1
     WHERE o.slug = $2`,
    [userId, slug],
  );
  return r.rows[0];
}

export async function orgAccessById(db: Queryable, userId: number, orgId: number): Promise<OrgAccess | undefined> {
  const r = await db.query<OrgAccess>(
    `SELECT ${ORG}, m.role FROM organizations o
     LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = $1
     WHERE o.id = $2`,
    [userId, orgId],
  );
  return r.rows[0];
}

/**
 * The organisation `/api/...` means for a user: the default organisation if they are a member, else their oldest
 * membership; for a platform administrator without memberships, the default organisation (else the oldest one).
 */
export async function defaultOrgAccess(
  db: Queryable,
  userId: number,
  platformAdmin: boolean,
): Promise<OrgAccess | undefined> {
  const r = await db.query<OrgAccess>(
    `SELECT ${ORG}, m.role FROM organizations o
     LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = $1
     WHERE m.user_id IS NOT NULL OR $2::boolean
     ORDER BY m.user_id IS NULL, o.slug <> 'default', o.id
     LIMIT 1`,
    [userId, platformAdmin],
  );
  return r.rows[0];
}

/** Every organisation a user can enter, with their role (platform administrators: all of them). */
export async function listOrgAccess(db: Queryable, userId: number, platformAdmin: boolean): Promise<OrgAccess[]> {
  const r = await db.query<OrgAccess>(
    `SELECT ${ORG}, m.role FROM organizations o
     LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = $1
     WHERE m.user_id IS NOT NULL OR $2::boolean
     ORDER BY o.slug`,
    [userId, platformAdmin],
  );
  return r.rows;
}

export async function getMembership(db: Queryable, orgId: number, userId: number): Promise<Membership | undefined> {
  const r = await db.query<Membership>(
    `SELECT user_id AS "userId", org_id AS "orgId", role, created_at AS "createdAt" FROM memberships
     WHERE org_id = $1 AND user_id = $2`,
    [orgId, userId],
  );
  return r.rows[0];
}

/** Adds or changes a membership; returns it. */
export async function upsertMembership(
  db: Queryable,
  orgId: number,
  userId: number,
  role: MemberRole,
): Promise<Membership> {
  const r = await db.query<Membership>(
    `INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, org_id) DO UPDATE SET role = EXCLUDED.role
     RETURNING user_id AS "userId", org_id AS "orgId", role, created_at AS "createdAt"`,
    [orgId, userId, role],
  );
  return r.rows[0]!;
}

export async function deleteMembership(db: Queryable, orgId: number, userId: number): Promise<boolean> {
  return (await db.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId])).rowCount > 0;
}

/** Serialises changes that could leave an organisation without an admin (call inside the transaction). */
export async function lockOrgAdmins(tx: Queryable, orgId: number): Promise<void> {
  await tx.query(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin' FOR UPDATE`, [orgId]);
}

/** Active admins of the organisation other than `exceptUserId`. */
export async function countOtherOrgAdmins(tx: Queryable, orgId: number, exceptUserId: number): Promise<number> {
  const r = await tx.query<{ n: number }>(
    `SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.org_id = $1 AND m.role = 'admin' AND u.active AND m.user_id <> $2`,
    [orgId, exceptUserId],
  );
  return r.rows[0]?.n ?? 0;
}

/** The organisations a user belongs to other than `orgId` (an organisation admin may not act on shared users). */
export async function otherMembershipCount(db: Queryable, userId: number, orgId: number): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM memberships WHERE user_id = $1 AND org_id <> $2', [
    userId,
    orgId,
  ]);
  return r.rows[0]?.n ?? 0;
}
