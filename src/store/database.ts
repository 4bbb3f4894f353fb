// The one database port every repository uses. Two adapters: embedded PGlite and PostgreSQL (node-postgres).
// Both return the same JS types: int8/numeric → number, date → 'YYYY-MM-DD', timestamptz → Date.

export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted/updated/deleted by the statement, when the driver reports it. */
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /**
   * Bulk insert: `COPY table (columns) FROM ...` with a payload in COPY text format (see copy-text.ts).
   * ~4x faster than a multi-row INSERT on PostgreSQL.
   */
  copyFrom(table: string, columns: readonly string[], payload: string): Promise<void>;
  /**
   * PostgreSQL only (absent on the embedded engine): the rows of a SELECT as CSV, made by the database
   * (`COPY (select) TO STDOUT WITH (FORMAT csv)`: LF after each row; a field quoted when it holds a comma, a
   * quote, CR or LF; NULL as nothing, an empty string as ""), streamed as the consumer takes it. COPY binds no
   * parameters: `params` are written into the statement as quoted literals (inline-params.ts).
   */
  copyCsv?(select: string, params?: readonly unknown[]): AsyncGenerator<Buffer>;
}

/** What runs a unit of work atomically: a database (a transaction), or an open transaction (a savepoint). */
export interface Transactor extends Queryable {
  /** Runs fn atomically: kept when it resolves, undone when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Database extends Transactor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs read-only queries that may not take longer than `timeoutMs` each (PostgreSQL: a read-only
   * transaction with a statement timeout; the embedded engine cannot interrupt a query and runs fn as it is).
   * A query that runs out of time fails with a StatementTimeout.
   */
  readOnly<T>(timeoutMs: number, fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  /** The embedded engine only: the whole database as SQL from one snapshot (backups; see pglite-dump.ts). */
  dumpSql?(): Promise<string>;
  close(): Promise<void>;
}

/** A database error with its SQLSTATE, when there is one (for retry decisions). */
export function sqlState(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** A query cancelled by its statement timeout. */
export function isStatementTimeout(err: unknown): boolean {
  return sqlState(err) === '57014';
}

/** Deadlocks and serialization failures: the transaction can simply be run again. */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = sqlState(err);
  return code === '40P01' || code === '40001';
}
