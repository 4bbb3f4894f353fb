// `dmarc restore FILE`: a backup made by `dmarc backup` into the embedded database's data directory, which must
// hold no database (--force moves one aside) and must not be in use (stop the server first). The file is checked
// whole first; migrations newer than the backup run right after.
import fs from 'node:fs/promises';
import { Command } from 'commander';
import { configFrom, withDatabase } from '../context.js';
import { CliError, EXIT } from '../errors.js';

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a backup made by dmarc backup into an empty data directory (the server stopped)')
    .argument('<file>', 'the backup file (plain or .gz)')
    .option('--force', 'move a database already in the data directory aside (never deleted) and restore')
    .option('--json', 'print {file, dataDir, schemaVersion, migratedTo, movedAside} on stdout')
    .action(async (file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      if (config.database.kind === 'postgres') {
        throw new CliError(
          'the database is PostgreSQL (DATABASE_URL): restore a pg_dump file with pg_restore or psql (docs/operations.md)',
        );
      }
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(
          code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`,
          EXIT.failure,
        );
      }
      const { restoreBackup } = await import('../../store/restore.js');
      const dir = config.database.dir;
      process.stderr.write(`dmarc: restoring ${file} into ${dir}...\n`);
      const result = await restoreBackup(dir, bytes, { force: opts.force === true });
      // opening runs the migrations the backup is older than
      const { migrationStatus } = await import('../../store/migrate.js');
      const status = await withDatabase(config, (db) => migrationStatus(db));
      const summary = {
        file,
        dataDir: dir,
        schemaVersion: result.header.schemaVersion,
        migratedTo: status.current,
        movedAside: result.movedAside ?? null,
      };
      if (opts.json) console.log(JSON.stringify(summary));
      else {
        if (result.movedAside)
          process.stderr.write(`dmarc: the database that was there is now in ${result.movedAside}\n`);
        process.stderr.write(
          `dmarc: restored the backup of ${result.header.createdAt} (schema version ${result.header.schemaVersion}` +
            `${status.current !== result.header.schemaVersion ? `, migrated to ${status.current}` : ''})\n`,
        );
      }
    });
}
