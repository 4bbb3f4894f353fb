// Entry point of the `dmarc` command: runs the program and turns errors into one line on stderr and an exit
// status. Every AppError is mapped here, the same way: `dmarc: <message>` and the catalogue's exit status.
import { CommanderError } from 'commander';
import { redactSecrets } from '../config/index.js';
import { AppError } from '../model/errors.js';
import { EXIT } from './errors.js';
import { buildProgram } from './program.js';

/** One line (unless it is a debugging stack trace), without the value of any secret variable. */
function fail(message: string, code: number, oneLine = true): void {
  const text = redactSecrets(oneLine ? message.replace(/\s*\n\s*/g, ' ') : message);
  process.stderr.write(`dmarc: ${text}\n`);
  process.exitCode = code;
}

/** `dmarc`, `dmarc --help`, `dmarc help`: the top-level help, which lists every variable with its default. */
function asksForTopLevelHelp(args: string[]): boolean {
  const positional = args.filter((a, i) => !a.startsWith('-') && !GLOBAL_VALUE_OPTIONS.has(args[i - 1] ?? ''));
  return positional.length === 0 || (positional[0] === 'help' && positional.length === 1);
}
const GLOBAL_VALUE_OPTIONS = new Set(['--data-dir', '--database-url', '--org']);

try {
  const args = process.argv.slice(2);
  const scheduleDefaults = asksForTopLevelHelp(args)
    ? (await import('../jobs/schedules.js')).scheduleVariableDefaults()
    : undefined;
  await buildProgram({ scheduleDefaults }).exitOverride().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed the message (or the help / version)
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof AppError) {
    fail(err.cliPrefix ? `${err.cliPrefix}: ${err.message}` : err.message, err.exitCode);
  } else {
    const debug = Boolean(process.env.DMARC_DEBUG);
    const detail = err instanceof Error ? ((debug ? err.stack : undefined) ?? err.message) : String(err);
    fail(`internal error: ${detail}`, EXIT.failure, !debug);
  }
}
