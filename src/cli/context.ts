// What every command needs: the validated configuration (env + global flags), for most the database, and for the
// commands that touch customer data the organisation they act in (--org, default: the default organisation).
// The database, the cache and the sink are loaded when a command asks for them, not when the program starts:
// `--help` and `dmarc parse` need none of them.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import type { Database } from '../store/database.js';
import type { Organization } from '../store/organizations.js';
import { CliError, EXIT } from './errors.js';

export interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
  org?: string;
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
  const { openDatabase } = await import('../store/connect.js');
  const db = await openDatabase(config, options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The organisation of --org (or DMARC_ORG), else the default one; a clear error when it does not exist. */
export async function orgFrom(cmd: Command, db: Database): Promise<Organization> {
  const { DEFAULT_ORG_SLUG, findOrgBySlug } = await import('../store/organizations.js');
  const slug = cmd.optsWithGlobals<GlobalOptions>().org ?? process.env.DMARC_ORG ?? DEFAULT_ORG_SLUG;
  const org = await findOrgBySlug(db, slug);
  if (!org) throw new CliError(`no organisation '${slug}' (see dmarc org list)`, EXIT.failure);
  return org;
}

/**
 * The "report stored" sink of a command that stores reports: it invalidates the organisation's cached answers,
 * in Redis when REDIS_URL is set, so that running servers never show stale figures after an import.
 */
export async function withReportSink<T>(config: Config, fn: (sink: ReportStoredSink) => Promise<T>): Promise<T> {
  const [{ createCache }, { createLogger }, { reportStoredSink }] = await Promise.all([
    import('../runtime/cache.js'),
    import('../runtime/logger.js'),
    import('../runtime/report-sink.js'),
  ]);
  const { cache, close } = createCache(config);
  try {
    return await fn(reportStoredSink({ cache, log: createLogger(config) }));
  } finally {
    await close();
  }
}
