// What every command needs: the validated configuration (env + global flags) and, for most, the database.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { openDatabase } from '../store/connect.js';
import type { Database } from '../store/database.js';

export interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
}

export function configFrom(cmd: Command): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig(process.env, { dataDir: g.dataDir, databaseUrl: g.databaseUrl });
}

/** Opens the database, runs fn, always closes it. */
export async function withDatabase<T>(
  config: Config,
  fn: (db: Database) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const db = await openDatabase(config, options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
