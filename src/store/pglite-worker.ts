// The embedded database's own thread (see pglite-thread.ts): PGlite (WebAssembly) runs each statement to its end
// without yielding, so in the server's thread one long statement (a large report's rollups) held every request
// waiting — /health for 13–20 s. Here it blocks only this thread. Requests come as messages and are answered in
// the order PGlite runs them; a transaction is PGlite's own (it holds the connection for its whole life), opened
// by `begin` and ended by `commit` or `rollback` from the other side.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { dumpPglite } from './pglite-dump.js';
import { transferablesOf } from './pglite-transfer.js';
import { TEXT_PARSERS } from './type-parsers.js';
import type { WorkerAnswer, WorkerRequest, WorkerStart, SerializedError } from './pglite-protocol.js';

const port = parentPort;
if (!port) throw new Error('pglite-worker.ts runs as a worker thread');
const start = workerData as WorkerStart;

interface OpenTx {
  tx: Transaction;
  end: (commit: boolean) => void;
  done: Promise<unknown>;
}

const transactions = new Map<number, OpenTx>();
let nextTx = 1;

/** The fields of a database error that callers read (SQLSTATE for retries, detail for messages); never a stack. */
function serialize(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  const e = err as unknown as Record<string, unknown>;
  for (const k of ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity'] as const) {
    if (typeof e[k] === 'string') out[k] = e[k];
  }
  return out;
}

function reply(a: WorkerAnswer, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(a, transfer);
}

/** Rollback when the transaction's callback throws; the thrown value is ours, not the caller's error. */
const ROLLBACK = Symbol('rollback');

async function begin(db: PGlite): Promise<number> {
  const id = nextTx++;
  let opened!: (tx: Transaction) => void;
  const ready = new Promise<Transaction>((resolve) => (opened = resolve));
  let end!: (commit: boolean) => void;
  const ended = new Promise<boolean>((resolve) => (end = resolve));
  const done = db
    .transaction(async (tx) => {
      opened(tx);
      if (!(await ended)) throw ROLLBACK;
    })
    .catch((err: unknown) => {
      if (err !== ROLLBACK) throw err;
    });
  // a failure to begin (BEGIN itself failing) ends the wait too
  const tx = await Promise.race([ready, done.then(() => Promise.reject(new Error('the transaction did not begin')))]);
  transactions.set(id, { tx, end, done });
  return id;
}

async function finish(id: number, commit: boolean): Promise<void> {
  const t = transactions.get(id);
  if (!t) throw new Error(`no open transaction ${id}`);
  transactions.delete(id);
  t.end(commit);
  await t.done;
}

async function main(): Promise<void> {
  let db: PGlite;
  try {
    db = await PGlite.create({
      ...(start.dir !== undefined ? { dataDir: start.dir } : {}),
      ...(start.loadDataDir ? { loadDataDir: new Blob([start.loadDataDir]) } : {}),
      parsers: TEXT_PARSERS,
    });
  } catch (err) {
    reply({ id: 0, ok: false, error: serialize(err) });
    return;
  }
  reply({ id: 0, ok: true, result: null });

  port!.on('message', (m: WorkerRequest) => {
    void (async () => {
      try {
        const runner = m.tx === undefined ? db : transactions.get(m.tx)?.tx;
        if (!runner) throw new Error(`no open transaction ${String(m.tx)}`);
        switch (m.op) {
          case 'query': {
            const r = await runner.query(m.sql, m.params);
            const moved = transferablesOf(r.rows);
            reply({ id: m.id, ok: true, result: { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length } }, moved);
            return;
          }
          case 'copy':
            // PGlite reads COPY input from the virtual file /dev/blob
            await runner.query(`COPY ${m.table} (${m.columns.join(', ')}) FROM '/dev/blob'`, [], {
              blob: new Blob([m.payload]),
            });
            reply({ id: m.id, ok: true, result: null });
            return;
          case 'begin':
            reply({ id: m.id, ok: true, result: await begin(db) });
            return;
          case 'commit':
          case 'rollback':
            await finish(m.txId, m.op === 'commit');
            reply({ id: m.id, ok: true, result: null });
            return;
          case 'exec':
            await db.exec(m.script);
            reply({ id: m.id, ok: true, result: null });
            return;
          case 'dump': {
            const bytes = await (await db.dumpDataDir('none')).arrayBuffer();
            reply({ id: m.id, ok: true, result: bytes }, [bytes]);
            return;
          }
          case 'sqldump':
            reply({ id: m.id, ok: true, result: await dumpPglite(db) });
            return;
          case 'close':
            if (!db.closed) await db.close();
            reply({ id: m.id, ok: true, result: null });
            return;
        }
      } catch (err) {
        reply({ id: m.id, ok: false, error: serialize(err) });
      }
    })();
  });
}

void main();
