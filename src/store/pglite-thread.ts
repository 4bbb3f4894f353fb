// The embedded database in a worker thread of its own (pglite-worker.ts), behind the same Database port: the
// server's thread only posts messages and waits for answers, so a long statement no longer stops it answering
// /health or the dashboard while a large report is stored. The data directory's lock stays in this thread.
import fs from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Database, QueryResult, Queryable } from './database.js';
import { DatabaseUnavailableError } from './errors.js';
import { lockDataDir, openFailure } from './pglite-data-dir.js';
import type { SerializedError, WorkerAnswer, WorkerRequest, WorkerStart } from './pglite-protocol.js';

/** Distributes a request without its id (each member of the union keeps its own fields). */
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/** A database error as the drivers throw it: message and PostgreSQL's fields (code = SQLSTATE). */
function revive(e: SerializedError): Error {
  const { name, message, ...fields } = e;
  const err = Object.assign(new Error(message), fields);
  err.name = name;
  return err;
}

/**
 * The worker's module beside this one: compiled JavaScript, or — when the sources run, as in tests — the TypeScript
 * file through tsx's loader (a worker does not inherit the parent's loader hooks).
 */
function startWorker(workerData: WorkerStart): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData });
  const source = new URL('./pglite-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData });
}

export class PGliteThreadDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Set once the thread has gone (closed, or died): every request after it fails at once. */
  private gone: Error | undefined;
  private readonly q: Queryable;

  private constructor(
    private readonly worker: Worker,
    private release: (() => Promise<void>) | undefined,
  ) {
    this.q = this.runner(undefined);
    worker.on('message', (a: WorkerAnswer) => this.answer(a));
    worker.on('error', (err) =>
      this.fail(new DatabaseUnavailableError(`the embedded database stopped: ${err.message}`)),
    );
    worker.on('exit', () => this.fail(new DatabaseUnavailableError('the embedded database is closed')));
    // the thread keeps the process alive only while it has work (a command ends when its work does)
    worker.unref();
  }

  /**
   * Opens (creating if needed) the embedded database in `dir` in its own thread; one process at a time, as
   * PGliteDatabase.open. `dir` undefined = in memory.
   */
  static async open(
    dir: string | undefined,
    options: { loadDataDir?: ArrayBuffer; log?: { warn(msg: string): void } } = {},
  ): Promise<PGliteThreadDatabase> {
    let release: (() => Promise<void>) | undefined;
    if (dir !== undefined) {
      await fs.mkdir(dir, { recursive: true });
      release = await lockDataDir(dir, options.log);
    }
    const start: WorkerStart = {
      ...(dir !== undefined ? { dir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    };
    const worker = startWorker(start);
    try {
      await new Promise<void>((resolve, reject) => {
        const onMessage = (a: WorkerAnswer) => {
          if (a.id !== 0) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          if (a.ok) resolve();
          else reject(revive(a.error));
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
    } catch (err) {
      await worker.terminate();
      await release?.();
      if (dir === undefined) throw err;
      throw openFailure(dir, err);
    }
    return new PGliteThreadDatabase(worker, release);
  }

  private answer(a: WorkerAnswer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    if (this.pending.size === 0) this.worker.unref();
    if (a.ok) p.resolve(a.result);
    else p.reject(revive(a.error));
  }

  private fail(err: Error): void {
    this.gone ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send<T>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  private runner(tx: number | undefined): Queryable {
    const scope = tx === undefined ? {} : { tx };
    return {
      query: <T>(sql: string, params?: unknown[]) =>
        this.send<QueryResult<T>>({ op: 'query', sql, ...(params ? { params } : {}), ...scope }),
      copyFrom: async (table: string, columns: readonly string[], payload: string) => {
        if (payload === '') return;
        await this.send({ op: 'copy', table, columns: [...columns], payload, ...scope });
      },
    };
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(sql, params);
  }

  copyFrom(table: string, columns: readonly string[], payload: string): Promise<void> {
    return this.q.copyFrom(table, columns, payload);
  }

  /** PGlite's own transaction in the thread: it holds the connection until fn settles (others wait there). */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const txId = await this.send<number>({ op: 'begin' });
    let value: T;
    try {
      value = await fn(this.runner(txId));
    } catch (err) {
      await this.send({ op: 'rollback', txId }).catch(() => undefined);
      throw err;
    }
    await this.send({ op: 'commit', txId });
    return value;
  }

  /** One connection, and a WASM engine that cannot interrupt a query: no timeout here. */
  readOnly<T>(_timeoutMs: number, fn: (q: Queryable) => Promise<T>): Promise<T> {
    return fn(this.q);
  }

  async exec(script: string): Promise<void> {
    await this.send({ op: 'exec', script });
  }

  /** A dump of the whole database (dumpDataDir's tarball). */
  async dump(): Promise<Blob> {
    return new Blob([await this.send<ArrayBuffer>({ op: 'dump' })]);
  }

  /** The whole database as SQL from one snapshot (pg_dump in the thread; backups). */
  dumpSql(): Promise<string> {
    return this.send<string>({ op: 'sqldump' });
  }

  async close(): Promise<void> {
    if (!this.gone) {
      await this.send({ op: 'close' }).catch(() => undefined);
      this.gone = new DatabaseUnavailableError('the embedded database is closed');
      await this.worker.terminate();
    }
    const release = this.release;
    this.release = undefined;
    await release?.();
  }
}
