import type { Config } from '../config/index.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { PGliteDatabase } from './pglite.js';
import { PostgresDatabase } from './postgres.js';

/** Opens the configured database (PGlite in the data dir, or PostgreSQL) and applies pending migrations. */
export async function openDatabase(
  config: Config,
  options: { migrate?: boolean; log?: { warn(msg: string): void } } = {},
): Promise<Database> {
  const log = options.log ?? { warn: (msg: string) => process.stderr.write(`dmarc: ${msg}\n`) };
  const db =
    config.database.kind === 'postgres'
      ? await PostgresDatabase.open(config.database.url)
      : await PGliteDatabase.open(config.database.dir, { log });
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }
  return db;
}
