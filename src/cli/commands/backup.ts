// `dmarc backup -o FILE`: a consistent backup of the embedded database. With the data directory free, the command
// opens it and dumps it; while a server holds it (one process at a time), `--url` asks that server for the backup
// (POST /api/platform/backup, with DMARC_API_KEY: a platform administrator's key). With PostgreSQL: pg_dump.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Config } from '../../config/index.js';
import { configFrom, withDatabase } from '../context.js';
import { CliError, EXIT } from '../errors.js';

interface Opts {
  output: string;
  url?: string;
  gzip?: boolean;
  json?: boolean;
}

/** Written beside the target and renamed into place: an interrupted backup never looks like a whole one. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const partial = `${file}.partial`;
  await fs.writeFile(partial, bytes, { mode: 0o600 });
  await fs.rename(partial, file);
}

async function fromDataDir(config: Config): Promise<{ bytes: Buffer; schemaVersion: number }> {
  if (config.database.kind !== 'pglite') throw new Error('fromDataDir: not the embedded database');
  // opening a missing data dir would create an empty database, and back that up
  const entries = await fs.readdir(config.database.dir).catch(() => []);
  if (entries.length === 0) {
    throw new CliError(
      `there is no database in ${config.database.dir} (check DMARC_DATA_DIR or --data-dir)`,
      EXIT.failure,
    );
  }
  const [{ createBackup }, { DataDirLockedError }] = await Promise.all([
    import('../../store/backup.js'),
    import('../../store/pglite-data-dir.js'),
  ]);
  try {
    return await withDatabase(config, (db) => createBackup(db, { gzip: false }), { migrate: false });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new CliError(
        `${err.message}. While the server runs, ask it for the backup: dmarc backup --url http://localhost:8080 ` +
          "-o FILE, with DMARC_API_KEY set to a platform administrator's API key",
        EXIT.failure,
      );
    }
    throw err;
  }
}

async function fromServer(
  config: Config,
  url: string,
  gzip: boolean,
): Promise<{ bytes: Buffer; schemaVersion: number }> {
  let endpoint: URL;
  try {
    endpoint = new URL('/api/platform/backup', url);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliError(`--url must be the server's http(s) address, e.g. http://localhost:8080 (got ${url})`);
  }
  const key = config.client.apiKey;
  if (key === null) {
    throw new CliError("--url needs DMARC_API_KEY: a platform administrator's API key (create one on the dashboard)");
  }
  if (gzip) endpoint.searchParams.set('gzip', 'true');
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers: { 'x-api-key': key } });
  } catch (err) {
    throw new CliError(`the server at ${endpoint.origin} does not answer: ${(err as Error).message}`, EXIT.failure);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new CliError(
      `the server refused the backup (${res.status}): ${problem.detail ?? problem.title ?? res.statusText}`,
      EXIT.failure,
    );
  }
  return {
    bytes: Buffer.from(await res.arrayBuffer()),
    schemaVersion: Number(res.headers.get('x-dmarc-schema-version') ?? 0),
  };
}

export function backupCommand(): Command {
  return new Command('backup')
    .description('write a backup of the embedded database, consistent while the server runs (restore: dmarc restore)')
    .requiredOption('-o, --output <file>', 'the backup file to write (.gz: gzip-compressed)')
    .option('--url <url>', 'ask the running server at this address (it holds the data directory); needs DMARC_API_KEY')
    .option('--json', 'print {file, bytes, schemaVersion, from} on stdout')
    .addHelpText(
      'after',
      '\nThe file is SQL (pg_dump) behind a header line that dmarc restore checks; psql can run it too.\n' +
        'With PostgreSQL (DATABASE_URL), use pg_dump: see docs/operations.md.',
    )
    .action(async (opts: Opts, cmd: Command) => {
      const config = configFrom(cmd);
      if (config.database.kind === 'postgres') {
        const { BackupNotEmbeddedError } = await import('../../store/backup.js');
        throw new BackupNotEmbeddedError();
      }
      const file = path.resolve(opts.output);
      const gzip = file.endsWith('.gz');
      process.stderr.write(
        opts.url ? `dmarc: asking ${opts.url} for a backup...\n` : 'dmarc: dumping the embedded database...\n',
      );
      const backup = opts.url
        ? await fromServer(config, opts.url, gzip)
        : await (async () => {
            const b = await fromDataDir(config);
            return gzip ? { ...b, bytes: (await import('node:zlib')).gzipSync(b.bytes) } : b;
          })();
      try {
        await writeAtomically(file, backup.bytes);
      } catch (err) {
        throw new CliError(`cannot write ${file}: ${(err as Error).message}`, EXIT.failure);
      }
      const summary = {
        file,
        bytes: backup.bytes.length,
        schemaVersion: backup.schemaVersion,
        from: opts.url ? 'server' : 'data-dir',
      };
      if (opts.json) console.log(JSON.stringify(summary));
      else
        process.stderr.write(
          `dmarc: wrote ${file} (${backup.bytes.length} bytes, schema version ${backup.schemaVersion})\n`,
        );
    });
}
