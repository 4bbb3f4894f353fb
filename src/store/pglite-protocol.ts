// Messages between the embedded database's thread (pglite-worker.ts) and the adapter that talks to it
// (pglite-thread.ts). Structured-cloned: plain data only.

export interface WorkerStart {
  /** The data directory; undefined: in memory. */
  dir?: string;
  /** A dump to start from (dumpDataDir's bytes). */
  loadDataDir?: ArrayBuffer;
}

/** `tx`: run inside this open transaction (else on the connection, after any open transaction). */
export type WorkerRequest = { id: number; tx?: number } & (
  | { op: 'query'; sql: string; params?: unknown[] }
  | { op: 'copy'; table: string; columns: readonly string[]; payload: string }
  | { op: 'begin' }
  | { op: 'commit' | 'rollback'; txId: number }
  | { op: 'exec'; script: string }
  | { op: 'dump' }
  | { op: 'sqldump' }
  | { op: 'close' }
);

/** What callers read of a database error: its SQLSTATE and PostgreSQL's fields, never a stack. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
  severity?: string;
}

/** id 0 answers the start (the database opened, or why not). */
export type WorkerAnswer = { id: number } & ({ ok: true; result: unknown } | { ok: false; error: SerializedError });
