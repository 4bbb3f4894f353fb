import { AppError, EXIT_CODES, type ErrorCode } from '../model/errors.js';

/** Exit statuses of `dmarc` (the catalogue's). */
export const EXIT = { ok: EXIT_CODES.ok, failure: EXIT_CODES.failure, usage: EXIT_CODES.usage } as const;

function codeForExit(exitCode: number): ErrorCode {
  if (exitCode === EXIT_CODES.usage) return 'usage_error';
  if (exitCode === EXIT_CODES.interrupted) return 'cancelled';
  return 'command_failed';
}

/** An error meant for the user of the CLI: printed as one line, exits with `exitCode` (default 2: usage). */
export class CliError extends AppError {
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(codeForExit(exitCode), message, { exitCode });
    this.name = 'CliError';
  }
}
