import { Command } from 'commander';
import { environmentHelp } from '../config/help.js';
import { apiCommand } from './commands/api.js';
import { backupCommand } from './commands/backup.js';
import { deleteCommand } from './commands/delete.js';
import { enrichCommand } from './commands/enrich.js';
import { exportCommand } from './commands/export.js';
import { fetchCommand } from './commands/fetch.js';
import { importCommand } from './commands/import.js';
import { migrateCommand } from './commands/migrate.js';
import { parseCommand } from './commands/parse.js';
import { reprocessCommand } from './commands/reprocess.js';
import { restoreCommand } from './commands/restore.js';
import { scheduleCommand } from './commands/schedule.js';
import { schedulerCommand } from './commands/scheduler.js';
import { sendersCommand } from './commands/senders.js';
import { serveCommand } from './commands/serve.js';
import { summaryCommand } from './commands/summary.js';
import { workerCommand } from './commands/worker.js';
import { userCommand } from './commands/user.js';

export interface ProgramOptions {
  /**
   * The defaults of DMARC_SCHEDULE_<TASK> in words, for the top-level help (they come from the task definitions,
   * whose modules take a second to load: main.ts loads them only when that help is asked for).
   */
  scheduleDefaults?: Record<string, string>;
}

export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('dmarc')
    .description('DMARC report processing: import, parse, store and analyse DMARC aggregate reports')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--data-dir <dir>', 'data directory of the embedded database (env DMARC_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database (env DATABASE_URL)')
    .option(
      '--org <slug>',
      'organisation that import, reprocess, delete, summary, export, enrich and senders act in (env DMARC_ORG, default: default)',
    )
    .showHelpAfterError('(run with --help for usage)')
    // every variable, from the configuration's one schema (descriptions, defaults, secrets)
    .addHelpText('after', () => `\nEnvironment:\n${environmentHelp(options.scheduleDefaults)}`);
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
    exportCommand(),
    reprocessCommand(),
    deleteCommand(),
    enrichCommand(),
    sendersCommand(),
    migrateCommand(),
    backupCommand(),
    restoreCommand(),
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
