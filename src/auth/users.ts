// Users: repository and the rules around them (unique e-mail whatever its case, at least one active admin).
import type { Queryable } from '../store/database.js';
import type { UserRole } from './roles.js';
import { AppError } from '../model/errors.js';

export interface User {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

interface UserRow extends User {
  passwordHash: string;
}

const COLUMNS = `id, email, name, role, active, created_at AS "createdAt", updated_at AS "updatedAt",
  last_login_at AS "lastLoginAt"`;

/** 409 (catalogue). */
export class UserConflictError extends AppError {
  constructor(
    override readonly code: 'email_taken' | 'last_admin',
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
    `SELECT ${COLUMNS}, password_hash AS "passwordHash" FROM users WHERE lower(email) = lower($1)`,
    [normaliseEmail(email)],
  );
  return r.rows[0];
}

export async function getUser(db: Queryable, id: number): Promise<User | undefined> {
  return (await db.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id])).rows[0];
}

export async function insertUser(
  db: Queryable,
  u: { email: string; name: string; role: UserRole; passwordHash: string },
): Promise<User> {
  try {
    const r = await db.query<User>(
      `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [normaliseEmail(u.email), u.name, u.role, u.passwordHash],
    );
    return r.rows[0]!;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new UserConflictError('email_taken', `a user with the e-mail ${u.email} already exists`);
    }
    throw err;
  }
}

export async function listUsers(
  db: Queryable,
  opts: { limit: number; afterId?: number },
): Promise<{ items: User[]; total: number; nextAfterId: number | null }> {
  const r = await db.query<User>(
    `SELECT ${COLUMNS} FROM users WHERE ($1::int8 IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [opts.afterId ?? null, opts.limit + 1],
  );
  const total = (await db.query<{ n: number }>('SELECT count(*) AS n FROM users')).rows[0]?.n ?? 0;
  const page = r.rows.slice(0, opts.limit);
  return { items: page, total, nextAfterId: r.rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null };
}

/**
 * Applies a change; refuses (409) to leave no active admin. Runs in the caller's transaction, which must lock
 * the admins first (lockAdmins) so that two concurrent demotions cannot both pass the check.
 */
export async function updateUser(
  tx: Queryable,
  id: number,
  change: { name?: string; role?: UserRole; active?: boolean },
): Promise<User | undefined> {
  const current = await getUser(tx, id);
  if (!current) return undefined;
  const losesAdmin =
    current.role === 'admin' &&
    current.active &&
    ((change.role !== undefined && change.role !== 'admin') || change.active === false);
  if (losesAdmin) {
    const others = await tx.query<{ n: number }>(
      `SELECT count(*) AS n FROM users WHERE role = 'admin' AND active AND id <> $1`,
      [id],
    );
    if ((others.rows[0]?.n ?? 0) === 0) {
      throw new UserConflictError('last_admin', 'this is the last active admin: make another user admin first');
    }
  }
  const r = await tx.query<User>(
    `UPDATE users SET name = coalesce($2, name), role = coalesce($3, role), active = coalesce($4, active),
       updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.name ?? null, change.role ?? null, change.active ?? null],
  );
  return r.rows[0];
}

/** Serialises changes that could remove the last admin. */
export async function lockAdmins(tx: Queryable): Promise<void> {
  await tx.query(`SELECT id FROM users WHERE role = 'admin' AND active FOR UPDATE`);
}

export async function setPasswordHash(db: Queryable, id: number, hash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, hash]);
}

export async function touchLogin(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query('UPDATE users SET last_login_at = $2 WHERE id = $1', [id, at]);
}
