// Opening the configured database. The engines' drivers and the migrator are loaded only when needed: a
// command on the embedded database never loads the PostgreSQL driver, and one whose schema is current never
// loads the migrator (together about a second of a CLI command's start).
import type { Config } from '../config/index.js';
import type { Database } from './database.js';
import { syncReporterNames } from './reporter-names.js';
import { schemaIsCurrent } from './schema-version.js';

/** Opens the configured database (PGlite in the data dir, or PostgreSQL) applies pending migrations and brings
 * stored reporter names up to date. */
export async function openDatabase(
  config: Config,
  options: { migrate?: boolean; log?: { warn(msg: string): void } } = {},
): Promise<Database> {
  const log = options.log ?? { warn: (msg: string) => process.stderr.write(`dmarc: ${msg}\n`) };
  const db =
    config.database.kind === 'postgres'
      ? await (await import('./postgres.js')).PostgresDatabase.open(config.database.url)
      : config.database.thread
        ? await (await import('./pglite-thread.js')).PGliteThreadDatabase.open(config.database.dir, { log })
        : await (await import('./pglite.js')).PGliteDatabase.open(config.database.dir, { log });
  if (options.migrate !== false) {
    try {
      if (!(await schemaIsCurrent(db))) await (await import('./migrate.js')).migrate(db);
      // (after an upgrade that changed how reporters are named: once, then one query per start)
      await syncReporterNames(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }
  return db;
}
