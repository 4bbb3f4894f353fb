// Read-only statements that may run side by side: each one in its own read-only transaction with the statement
// timeout (Database.readOnly), on a connection of its own from the pool. For work that sends many independent
// queries at once (the PDF report's dozen analytics answers): on one read-only connection they would wait for each
// other. Each statement sees its own snapshot, as it would in one READ COMMITTED transaction.
import type { Database, QueryResult, Queryable } from './database.js';

export function readOnlyQueries(db: Database, timeoutMs: number): Queryable {
  return {
    query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      return db.readOnly(timeoutMs, (q) => q.query<T>(sql, params));
    },
    copyFrom(): Promise<void> {
      return Promise.reject(new Error('read-only queries cannot copy rows in'));
    },
  };
}
