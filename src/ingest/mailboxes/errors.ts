// The errors of the Graph, Gmail and Maildir mailboxes. Their messages are written here, from status codes, the
// services' error codes and file names: never a token, a secret or a request body.
import { AppError } from '../../model/errors.js';

/** A secret or key cannot be read or used: a setup problem, not a network one (not retried). */
export class MailboxCredentialError extends AppError {
  constructor(message: string) {
    super('mailbox_credential_unavailable', message);
    this.name = 'MailboxCredentialError';
  }
}

/** A request failed for good, or the mailbox cannot be read. */
export class MailboxError extends AppError {
  constructor(
    message: string,
    readonly httpStatus?: number,
    /** The service's error code (Graph's error.code, Google's error.status, OAuth's error). */
    readonly serviceCode?: string,
  ) {
    super('mailbox_unavailable', message);
    this.name = 'MailboxError';
  }
}

/** A short, secret-free reason for a failed mailbox run. */
export function describeMailboxError(err: unknown): string {
  if (err instanceof MailboxCredentialError || err instanceof MailboxError) return err.message;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code && e.path) return `${e.code}: ${e.path}`;
  return (e?.message ?? String(err)).split('\n')[0]!.slice(0, 300);
}
