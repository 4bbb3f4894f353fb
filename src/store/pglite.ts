// Embedded PostgreSQL (PGlite, WASM) in the data dir. Single connection: PGlite serialises queries itself,
// and its transaction() holds the connection for the whole callback.
import fs from 'node:fs/promises';
import os from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import type { Database, QueryResult, Queryable } from './database.js';
import { TEXT_PARSERS } from './type-parsers.js';
import { DatabaseUnavailableError } from './errors.js';

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

/** Who holds the lock: written beside proper-lockfile's lock directory, read when the lock is refused. */
interface LockOwner {
  pid: number;
  hostname: string;
}

const STALE_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock. A lock left by a process that died (kill -9, a crash) within the last 30 s,
 * before proper-lockfile would call it stale, is taken over when its owner — on this host — no longer runs.
 */
async function lockDataDir(dir: string, log?: { warn(msg: string): void }): Promise<() => Promise<void>> {
  const lockDir = `${dir}.lock`;
  const ownerFile = `${lockDir}.owner`;
  const take = async (): Promise<() => Promise<void>> => {
    const release = await lockfile.lock(dir, { lockfilePath: lockDir, stale: STALE_MS, update: 10_000 });
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname() };
    await fs.writeFile(ownerFile, JSON.stringify(owner)).catch(() => undefined);
    return async () => {
      await fs.rm(ownerFile, { force: true });
      await release();
    };
  };
  try {
    return await take();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
  }
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(await fs.readFile(ownerFile, 'utf8')) as LockOwner;
  } catch {
    owner = undefined;
  }
  const dead =
    owner !== undefined && owner.hostname === os.hostname() && owner.pid !== process.pid && !alive(owner.pid);
  if (!dead) {
    throw new DatabaseUnavailableError(
      `the embedded database at ${dir} is in use by another dmarc process` +
        (owner ? ` (pid ${owner.pid} on ${owner.hostname})` : '') +
        '; stop it (or point DATABASE_URL at PostgreSQL to run several processes)',
    );
  }
  await fs.rm(lockDir, { recursive: true, force: true });
  await fs.rm(ownerFile, { force: true });
  log?.warn(
    `the embedded database's lock was held by process ${owner!.pid}, which no longer runs (it was killed or crashed): taken over`,
  );
  try {
    return await take();
  } catch {
    throw new DatabaseUnavailableError(`the embedded database at ${dir} is in use by another dmarc process`);
  }
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
      // PGlite (WASM) reports a damaged or foreign data directory as "Aborted(). Build with -sASSERTIONS..."
      const reason = err instanceof Error && !/Aborted\(\)/.test(err.message) ? `: ${err.message.split('\n')[0]}` : '';
      throw new DatabaseUnavailableError(
        `the embedded database in ${dir} cannot be opened${reason}. It may be damaged (a full disk, files changed ` +
          'by hand) or written by another PGlite version. Restore the directory from a backup, or move it away to ' +
          'start with an empty database (dmarc import re-reads report files).',
      );
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

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    await this.release?.();
  }
}
