// Versioned SQL migrations (migrations/NNN.do.*.sql), the same files for PGlite and PostgreSQL, applied by
// postgrator. On PostgreSQL several processes may start at once: an advisory lock lets one migrate at a time.
import path from 'node:path';
import Postgrator from 'postgrator';
import type { Database } from './database.js';
import { MIGRATIONS_DIR } from './paths.js';
import { PostgresDatabase } from './postgres.js';
import { SCHEMA_TABLE } from './schema-version.js';

/** Arbitrary constant shared by every dmarc process: pg_advisory_lock key for migrations. */
const MIGRATION_LOCK_KEY = 7_489_001;

export interface MigrationStatus {
  current: number;
  latest: number;
}

type Exec = (sql: string) => Promise<{ rows: Record<string, unknown>[] }>;

function postgrator(exec: Exec, execScript: (sql: string) => Promise<void>): Postgrator {
  return new Postgrator({
    migrationPattern: path.join(MIGRATIONS_DIR, '*.sql'),
    driver: 'pg',
    schemaTable: SCHEMA_TABLE,
    execQuery: exec,
    execSqlScript: execScript,
  });
}

/** Applies every pending migration (or up to version `to`); returns the versions applied. */
export async function migrate(db: Database, to?: string): Promise<number[]> {
  if (db instanceof PostgresDatabase) {
    return db.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        const p = postgrator(
          async (sql) => ({ rows: (await client.query(sql)).rows as Record<string, unknown>[] }),
          async (sql) => void (await client.query(sql)),
        );
        return (await p.migrate(to)).map((m) => m.version);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    });
  }
  const p = postgrator(
    async (sql) => ({ rows: (await db.query<Record<string, unknown>>(sql)).rows }),
    (sql) => db.exec(sql),
  );
  return (await p.migrate(to)).map((m) => m.version);
}

export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  const p = postgrator(
    async (sql) => ({ rows: (await db.query<Record<string, unknown>>(sql)).rows }),
    (sql) => db.exec(sql),
  );
  const [current, latest] = await Promise.all([p.getDatabaseVersion(), p.getMaxVersion()]);
  return { current: current ?? 0, latest };
}
