import { AppError } from '../model/errors.js';

/** One bad setting: the variable (or `DMARC_CONFIG`, `DMARC_IMAP_*`) and what is wrong, never a secret's value. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * Settings have bad values. The message is one line listing every issue, each naming its variable
 * (`PORT: expected a TCP port number 0-65535; DMARC_JOB_BACKOFF: expected a duration ...`).
 */
export class ConfigError extends AppError {
  /** The first issue's variable. */
  readonly variable: string;
  readonly issues: readonly ConfigIssue[];

  constructor(variable: string, message: string);
  constructor(issues: readonly ConfigIssue[]);
  constructor(variableOrIssues: string | readonly ConfigIssue[], message?: string) {
    const issues =
      typeof variableOrIssues === 'string'
        ? [{ variable: variableOrIssues, message: message ?? 'invalid value' }]
        : variableOrIssues;
    if (issues.length === 0) throw new TypeError('a ConfigError needs at least one issue');
    super('config_invalid', issues.map((i) => `${i.variable}: ${i.message}`).join('; '), {
      errors: issues.map((i) => ({ field: i.variable, message: i.message })),
    });
    this.name = 'ConfigError';
    this.variable = issues[0]!.variable;
    this.issues = issues;
  }
}
