// Embedded PostgreSQL (PGlite, WASM) in the data dir. Single connection: PGlite serialises queries itself,
// and its transaction() holds the connection for the whole callback.
import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult, Queryable } from './database.js';
import { TEXT_PARSERS } from './type-parsers.js';
import { lockDataDir, openFailure } from './pglite-data-dir.js';
import { dumpPglite } from './pglite-dump.js';

interface Runner {
  query<T>(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: T[]; affectedRows?: number }>;
}

function wrap(runner: Runner): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await runner.query<T>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async copyFrom(table: string, columns: readonly string[], payload: string): Promise<void> {
      if (payload === '') return;
      // PGlite reads COPY input from the virtual file /dev/blob.
      await runner.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], { blob: new Blob([payload]) });
    },
  };
}

export class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly q: Queryable;

  private constructor(
    private readonly db: PGlite,
    private readonly release: (() => Promise<void>) | undefined,
  ) {
    this.q = wrap(db);
  }

  /**
   * Opens (creating if needed) the embedded database in `dir`. Only one process may hold it: PGlite has no
   * multi-process access, and two writers would corrupt it, so a lock file guards the directory.
   * `dir` undefined = in memory. `loadDataDir` starts from a dump (test templates).
   */
  static async open(
    dir: string | undefined,
    options: { loadDataDir?: Blob; log?: { warn(msg: string): void } } = {},
  ): Promise<PGliteDatabase> {
    let release: (() => Promise<void>) | undefined;
    if (dir !== undefined) {
      await fs.mkdir(dir, { recursive: true });
      release = await lockDataDir(dir, options.log);
    }
    try {
      const db = await PGlite.create({
        ...(dir !== undefined ? { dataDir: dir } : {}),
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
        parsers: TEXT_PARSERS,
      });
      return new PGliteDatabase(db, release);
    } catch (err) {
      await release?.();
      if (dir === undefined) throw err;
      throw openFailure(dir, err);
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(sql, params);
  }

  copyFrom(table: string, columns: readonly string[], payload: string): Promise<void> {
    return this.q.copyFrom(table, columns, payload);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrap(tx)));
  }

  /** One connection, and a WASM engine that cannot interrupt a query: no timeout here. */
  readOnly<T>(_timeoutMs: number, fn: (q: Queryable) => Promise<T>): Promise<T> {
    return fn(this.q);
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  /** A dump of the whole database (used to copy a migrated template into each test). */
  async dump(): Promise<Blob> {
    return this.db.dumpDataDir('none');
  }

  /** The whole database as SQL from one snapshot (pg_dump; backups). */
  dumpSql(): Promise<string> {
    return dumpPglite(this.db);
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    await this.release?.();
  }
}
