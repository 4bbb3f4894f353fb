// `dmarc backup` and POST /api/platform/backup: a consistent logical dump of the embedded database, taken while
// the server runs (pg_dump's one snapshot; see pglite-dump.ts), in the backup file format (backup-file.ts).
// PostgreSQL has its own tools: pg_dump there (docs/operations.md).
import { AppError } from '../model/errors.js';
import type { Database } from './database.js';
import { encodeBackup } from './backup-file.js';
import { SCHEMA_TABLE } from './schema-version.js';

export class BackupNotEmbeddedError extends AppError {
  constructor() {
    super(
      'backup_not_embedded',
      'the database is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. ' +
        'pg_dump --format=custom --file=dmarc.dump "$DATABASE_URL" (see docs/operations.md)',
    );
    this.name = 'BackupNotEmbeddedError';
  }
}

export interface Backup {
  bytes: Buffer;
  schemaVersion: number;
}

export async function createBackup(db: Database, options: { gzip?: boolean; now?: Date } = {}): Promise<Backup> {
  if (db.kind !== 'pglite' || !db.dumpSql) throw new BackupNotEmbeddedError();
  const [v, server] = await Promise.all([
    db.query<{ v: number | null }>(`SELECT max(version)::int AS v FROM ${SCHEMA_TABLE}`),
    db.query<{ server_version: string }>('SHOW server_version'),
  ]);
  const schemaVersion = v.rows[0]?.v ?? 0;
  const sql = await db.dumpSql();
  const bytes = encodeBackup(
    sql,
    { schemaVersion, server: server.rows[0]?.server_version ?? 'unknown', createdAt: options.now ?? new Date() },
    options,
  );
  return { bytes, schemaVersion };
}
