import { AppError } from '../model/errors.js';

/**
 * The database cannot be opened or reached; the message says which and why, without secrets (503; not shown to
 * an API client, since it names the host).
 */
export class DatabaseUnavailableError extends AppError {
  constructor(message: string) {
    super('database_unavailable', message);
    this.name = 'DatabaseUnavailableError';
  }
}
