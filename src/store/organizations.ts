// Organisations (tenants), their policy domains and their members. Every other table with customer data carries
// an org_id from here; deleting an organisation deletes all of it.
import { AppError } from '../model/errors.js';
import type { Database, Queryable } from './database.js';

export interface Organization {
  id: number;
  slug: string;
  name: string;
  createdAt: Date;
}

/** The organisation every installation starts with; what `/api/...` means for a single-customer installation. */
export const DEFAULT_ORG_SLUG = 'default';

const COLUMNS = `o.id, o.slug, o.name, o.created_at AS "createdAt"`;

export class OrganizationConflictError extends AppError {
  constructor(readonly slug: string) {
    super('slug_taken', `an organisation with the slug '${slug}' already exists`);
    this.name = 'OrganizationConflictError';
  }
}

export async function findOrgBySlug(db: Queryable, slug: string): Promise<Organization | undefined> {
  return (await db.query<Organization>(`SELECT ${COLUMNS} FROM organizations o WHERE o.slug = $1`, [slug])).rows[0];
}

export async function getOrg(db: Queryable, id: number): Promise<Organization | undefined> {
  return (await db.query<Organization>(`SELECT ${COLUMNS} FROM organizations o WHERE o.id = $1`, [id])).rows[0];
}

export async function countOrgs(db: Queryable): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*) AS n FROM organizations')).rows[0]?.n ?? 0;
}

/** Every organisation (platform administrators), or those a user is a member of; by slug. */
export async function listOrgs(db: Queryable, opts: { memberId?: number } = {}): Promise<Organization[]> {
  if (opts.memberId === undefined) {
    return (await db.query<Organization>(`SELECT ${COLUMNS} FROM organizations o ORDER BY o.slug`)).rows;
  }
  return (
    await db.query<Organization>(
      `SELECT ${COLUMNS} FROM organizations o JOIN memberships m ON m.org_id = o.id WHERE m.user_id = $1
       ORDER BY o.slug`,
      [opts.memberId],
    )
  ).rows;
}

export async function insertOrg(db: Queryable, o: { slug: string; name: string }): Promise<Organization> {
  try {
    const r = await db.query<Organization>(
      `INSERT INTO organizations AS o (slug, name) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [o.slug, o.name],
    );
    return r.rows[0]!;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OrganizationConflictError(o.slug);
    throw err;
  }
}

export async function updateOrg(
  db: Queryable,
  id: number,
  change: { slug?: string; name?: string },
): Promise<Organization | undefined> {
  try {
    const r = await db.query<Organization>(
      `UPDATE organizations AS o SET slug = coalesce($2, slug), name = coalesce($3, name) WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, change.slug ?? null, change.name ?? null],
    );
    return r.rows[0];
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OrganizationConflictError(change.slug ?? '');
    throw err;
  }
}

/** Tables whose rows belong to an organisation without a foreign key to it (deleted here explicitly). */
const UNREFERENCED_TABLES = [
  'records',
  'rollup_daily',
  'rollup_source_daily',
  'report_reasons',
  'task_runs',
  'source_senders',
];
const BATCH = 5000;

/**
 * Deletes an organisation and every row of its data, in batches (a large tenant never holds long locks), the
 * organisation row last: until then a half-deleted organisation is still visible and the deletion can be resumed.
 */
export async function deleteOrg(db: Database, id: number): Promise<boolean> {
  for (const table of UNREFERENCED_TABLES) {
    const key = table === 'records' ? ['report_id', 'idx'] : table === 'task_runs' ? ['id'] : ['ctid'];
    for (;;) {
      const r = await db.query(
        `DELETE FROM ${table} WHERE (${key.join(', ')}) IN
           (SELECT ${key.join(', ')} FROM ${table} WHERE org_id = $1 LIMIT ${BATCH})`,
        [id],
      );
      if (r.rowCount < BATCH) break;
    }
  }
  for (;;) {
    // file_contents and reports go with their files (ON DELETE CASCADE)
    const r = await db.query(
      `DELETE FROM ingested_files WHERE id IN (SELECT id FROM ingested_files WHERE org_id = $1 LIMIT 500)`,
      [id],
    );
    if (r.rowCount < 500) break;
  }
  // memberships, API keys and domains cascade
  return (await db.query('DELETE FROM organizations WHERE id = $1', [id])).rowCount > 0;
}

// ---- domains ----

export interface OrgDomain {
  id: number;
  name: string;
  createdAt: Date;
}

/** Per database: (org, domain) pairs known to be registered, so that the common case costs no statement. */
const registeredIn = new WeakMap<Queryable, Set<string>>();

/**
 * Registers a policy domain with the organisation (after one of its reports was stored; idempotent). Remembered
 * by the process, so that only the first report of a domain pays for it.
 */
export async function registerDomain(db: Queryable, orgId: number, name: string): Promise<void> {
  const key = `${orgId}\u0000${name}`;
  let registered = registeredIn.get(db);
  if (!registered) registeredIn.set(db, (registered = new Set()));
  if (registered.has(key)) return;
  await db.query(
    'INSERT INTO domains (org_id, name) VALUES ($1, $2) ON CONFLICT ON CONSTRAINT domains_org_name DO NOTHING',
    [orgId, name],
  );
  if (registered.size >= 100_000) registered.clear();
  registered.add(key);
}

export async function listOrgDomains(db: Queryable, orgId: number): Promise<OrgDomain[]> {
  return (
    await db.query<OrgDomain>(
      `SELECT id, name, created_at AS "createdAt" FROM domains WHERE org_id = $1 ORDER BY name`,
      [orgId],
    )
  ).rows;
}
