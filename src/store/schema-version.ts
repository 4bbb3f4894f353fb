// Whether the database's schema is at the latest migration, cheaply: one query and a look at the migrations
// folder, without loading the migrator. Every command opens the database; most find nothing to migrate.
import fs from 'node:fs';
import type { Queryable } from './database.js';
import { MIGRATIONS_DIR } from './paths.js';

/** The table postgrator keeps the applied versions in (migrate.ts). */
export const SCHEMA_TABLE = 'schema_migrations';

/** The highest version among migrations/NNN.do.*.sql. */
export function latestMigrationVersion(dir: string = MIGRATIONS_DIR): number {
  let latest = 0;
  for (const name of fs.readdirSync(dir)) {
    const m = /^(\d+)\.do\./.exec(name);
    if (m) latest = Math.max(latest, Number(m[1]));
  }
  return latest;
}

/**
 * True when the highest applied version is the latest one: then the migrator would do nothing either (it applies
 * the versions above the current one). False when the table is missing (a new database) or behind.
 */
export async function schemaIsCurrent(db: Queryable): Promise<boolean> {
  let current: number;
  try {
    const r = await db.query<{ v: string | number | null }>(`SELECT max(version) AS v FROM ${SCHEMA_TABLE}`);
    current = Number(r.rows[0]?.v ?? 0);
  } catch {
    return false;
  }
  return current === latestMigrationVersion();
}
