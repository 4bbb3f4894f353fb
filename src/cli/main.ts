// Entry point of the `dmarc` command: runs the program and turns typed errors into a message + exit code.
import { CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { CliError, EXIT } from './errors.js';
import { buildProgram } from './program.js';

function fail(message: string, code: number): void {
  process.stderr.write(`dmarc: ${message}\n`);
  process.exitCode = code;
}

try {
  await buildProgram().exitOverride().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed the message (or the help / version)
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, EXIT.usage);
  else if (err instanceof CliError) fail(err.message, err.exitCode);
  else if (err instanceof DatabaseUnavailableError) fail(err.message, EXIT.failure);
  else {
    const detail = process.env.DMARC_DEBUG
      ? err instanceof Error
        ? err.stack
        : String(err)
      : err instanceof Error
        ? err.message
        : String(err);
    fail(`internal error: ${detail}`, EXIT.failure);
  }
}
