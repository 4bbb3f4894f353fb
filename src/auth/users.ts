// Users: repository and the rules around them (unique e-mail whatever its case, at least one active platform
// administrator, at least one active admin in an organisation that has one). Roles live in memberships.
import type { Queryable } from '../store/database.js';
import type { MemberRole } from '../store/memberships.js';
import { AppError } from '../model/errors.js';

export interface User {
  id: number;
  email: string;
  name: string;
  /** Creates organisations, adds users to them, and is an admin in every organisation. */
  platformAdmin: boolean;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

/** A user as a member of one organisation. */
export interface Member extends User {
  role: MemberRole;
}

interface UserRow extends User {
  passwordHash: string;
}

const COLUMNS = `u.id, u.email, u.name, u.platform_admin AS "platformAdmin", u.active, u.created_at AS "createdAt",
  u.updated_at AS "updatedAt", u.last_login_at AS "lastLoginAt"`;

/** 409 (catalogue). */
export class UserConflictError extends AppError {
  constructor(
    override readonly code: 'email_taken' | 'last_admin' | 'last_platform_admin' | 'shared_user',
    message: string,
  ) {
    super(code, message);
    this.name = 'UserConflictError';
  }
}

export function normaliseEmail(email: string): string {
  return email.trim();
}

export async function countUsers(db: Queryable): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*) AS n FROM users')).rows[0]?.n ?? 0;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    `SELECT ${COLUMNS}, u.password_hash AS "passwordHash" FROM users u WHERE lower(u.email) = lower($1)`,
    [normaliseEmail(email)],
  );
  return r.rows[0];
}

export async function getUser(db: Queryable, id: number): Promise<User | undefined> {
  return (await db.query<User>(`SELECT ${COLUMNS} FROM users u WHERE u.id = $1`, [id])).rows[0];
}

export async function insertUser(
  db: Queryable,
  u: { email: string; name: string; platformAdmin?: boolean; passwordHash: string },
): Promise<User> {
  try {
    const r = await db.query<User>(
      `INSERT INTO users AS u (email, name, platform_admin, password_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [normaliseEmail(u.email), u.name, u.platformAdmin ?? false, u.passwordHash],
    );
    return r.rows[0]!;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new UserConflictError('email_taken', `a user with the e-mail ${u.email} already exists`);
    }
    throw err;
  }
}

/** Every user of the platform (platform administrators, the CLI). */
export async function listUsers(
  db: Queryable,
  opts: { limit: number; afterId?: number },
): Promise<{ items: User[]; total: number; nextAfterId: number | null }> {
  const r = await db.query<User>(
    `SELECT ${COLUMNS} FROM users u WHERE ($1::int8 IS NULL OR u.id > $1) ORDER BY u.id LIMIT $2`,
    [opts.afterId ?? null, opts.limit + 1],
  );
  const total = (await db.query<{ n: number }>('SELECT count(*) AS n FROM users')).rows[0]?.n ?? 0;
  const page = r.rows.slice(0, opts.limit);
  return { items: page, total, nextAfterId: r.rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null };
}

/** The members of an organisation with their role there, by id. */
export async function listMembers(
  db: Queryable,
  orgId: number,
  opts: { limit: number; afterId?: number },
): Promise<{ items: Member[]; total: number; nextAfterId: number | null }> {
  const r = await db.query<Member>(
    `SELECT ${COLUMNS}, m.role FROM users u JOIN memberships m ON m.user_id = u.id
     WHERE m.org_id = $1 AND ($2::int8 IS NULL OR u.id > $2) ORDER BY u.id LIMIT $3`,
    [orgId, opts.afterId ?? null, opts.limit + 1],
  );
  const total =
    (await db.query<{ n: number }>('SELECT count(*) AS n FROM memberships WHERE org_id = $1', [orgId])).rows[0]?.n ?? 0;
  const page = r.rows.slice(0, opts.limit);
  return { items: page, total, nextAfterId: r.rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null };
}

export async function getMember(db: Queryable, orgId: number, userId: number): Promise<Member | undefined> {
  const r = await db.query<Member>(
    `SELECT ${COLUMNS}, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = $1 AND u.id = $2`,
    [orgId, userId],
  );
  return r.rows[0];
}

/**
 * Applies a change to the user itself; refuses (409) to leave the platform without an active platform
 * administrator. Runs in the caller's transaction, which must lock them first (lockPlatformAdmins), so that two
 * concurrent changes cannot both pass the check.
 */
export async function updateUser(
  tx: Queryable,
  id: number,
  change: { name?: string; active?: boolean; platformAdmin?: boolean },
): Promise<User | undefined> {
  const current = await getUser(tx, id);
  if (!current) return undefined;
  const losesPlatformAdmin =
    current.platformAdmin && current.active && (change.platformAdmin === false || change.active === false);
  if (losesPlatformAdmin) {
    const others = await tx.query<{ n: number }>(
      `SELECT count(*) AS n FROM users WHERE platform_admin AND active AND id <> $1`,
      [id],
    );
    if ((others.rows[0]?.n ?? 0) === 0) {
      throw new UserConflictError(
        'last_platform_admin',
        'this is the last active platform administrator: make another user one first',
      );
    }
  }
  const r = await tx.query<User>(
    `UPDATE users AS u SET name = coalesce($2, name), active = coalesce($3, active),
       platform_admin = coalesce($4, platform_admin), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.name ?? null, change.active ?? null, change.platformAdmin ?? null],
  );
  return r.rows[0];
}

/** Serialises changes that could remove the last platform administrator. */
export async function lockPlatformAdmins(tx: Queryable): Promise<void> {
  await tx.query(`SELECT id FROM users WHERE platform_admin AND active FOR UPDATE`);
}

export async function setPasswordHash(db: Queryable, id: number, hash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, hash]);
}

export async function touchLogin(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query('UPDATE users SET last_login_at = $2 WHERE id = $1', [id, at]);
}
