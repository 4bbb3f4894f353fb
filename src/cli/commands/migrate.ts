import { Command } from 'commander';
import { describeDatabase } from '../../config/index.js';
import { configFrom, withDatabase } from '../context.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations (also done automatically on start)')
    .option('--status', 'only show the current and latest schema versions')
    .action(async (opts: { status?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const { migrate, migrationStatus } = await import('../../store/migrate.js');
      await withDatabase(
        config,
        async (db) => {
          if (!opts.status) {
            const applied = await migrate(db);
            console.log(applied.length === 0 ? 'database is up to date' : `applied migrations: ${applied.join(', ')}`);
          }
          const s = await migrationStatus(db);
          console.log(`${describeDatabase(config)}: schema version ${s.current} (latest ${s.latest})`);
        },
        { migrate: false },
      );
    });
}
