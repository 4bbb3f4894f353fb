import { Command } from 'commander';
import { apiCommand } from './commands/api.js';
import { fetchCommand } from './commands/fetch.js';
import { importCommand } from './commands/import.js';
import { migrateCommand } from './commands/migrate.js';
import { parseCommand } from './commands/parse.js';
import { reprocessCommand } from './commands/reprocess.js';
import { scheduleCommand } from './commands/schedule.js';
import { schedulerCommand } from './commands/scheduler.js';
import { serveCommand } from './commands/serve.js';
import { summaryCommand } from './commands/summary.js';
import { workerCommand } from './commands/worker.js';
import { userCommand } from './commands/user.js';

export function buildProgram(): Command {
  const program = new Command('dmarc')
    .description('DMARC report processing: import, parse, store and analyse DMARC aggregate reports')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--data-dir <dir>', 'data directory of the embedded database (env DMARC_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database (env DATABASE_URL)')
    .option('--org <slug>', 'organisation that import, reprocess and summary act in (env DMARC_ORG, default: default)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  DMARC_DATA_DIR                 data directory (default ./data)
  DMARC_ORG                      organisation of import, reprocess and summary (default: default)
  DATABASE_URL                   postgres://user:pass@host:5432/db (unset: embedded PGlite in the data dir)
  DMARC_MAX_INPUT_BYTES          largest accepted input file (default 50MB)
  DMARC_MAX_DECOMPRESSED_BYTES   largest decompressed size of one file (default 512MiB)
  DMARC_MAX_COMPRESSION_RATIO    largest decompressed/compressed ratio (default 200)
  DMARC_MAX_ZIP_ENTRIES          most entries in one zip (default 1000)
  REDIS_URL                      redis://host:6379/0: distributed mode (BullMQ job queue, shared cache)
  DMARC_QUEUE_PREFIX             prefix of every Redis key (default dmarc)
  DMARC_IMAP_HOST, ...           an IMAP mailbox to fetch reports from (see dmarc fetch --help, README)
  DMARC_CONFIG                   JSON or YAML file: several IMAP mailboxes, schedules`,
    );
  for (const c of [
    serveCommand(),
    apiCommand(),
    workerCommand(),
    schedulerCommand(),
    scheduleCommand(),
    fetchCommand(),
    importCommand(),
    parseCommand(),
    summaryCommand(),
    reprocessCommand(),
    migrateCommand(),
    userCommand(),
  ]) {
    program.addCommand(c);
  }
  applyToAll(program);
  return program;
}

/** Every command and sub-command: errors go through main.ts (exit codes), usage hint after an error. */
function applyToAll(cmd: Command): void {
  cmd.showHelpAfterError('(run with --help for usage)').exitOverride();
  for (const sub of cmd.commands) applyToAll(sub);
}
