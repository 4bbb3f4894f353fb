/** An error meant for the user of the CLI: printed as one line, exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
