// PGlite in a thread of its own (hardening finding: a large upload held /health for 13–20 s on the embedded
// server, PGlite running each statement in the server's thread). The adapter answers as the in-thread one does —
// the same JS types, errors with their SQLSTATE, transactions that commit, roll back and hold the connection —
// and while a statement runs the caller's thread goes on (timers fire).
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isRetryableTransactionError, sqlState } from '../../src/store/database.js';
import { PGliteThreadDatabase } from '../../src/store/pglite-thread.js';

/** The run's migrated template (a fresh database takes seconds to make). */
async function template(): Promise<ArrayBuffer> {
  const bytes = await fs.readFile(inject('pgliteTemplate'));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

describe('PGlite in a thread of its own', () => {
  let db: PGliteThreadDatabase;
  beforeAll(async () => {
    db = await PGliteThreadDatabase.open(undefined, { loadDataDir: await template() });
    await db.exec(`CREATE TABLE t (id int8 PRIMARY KEY, amount numeric, d date, at timestamptz DEFAULT now(),
      j jsonb, b bytea, ip inet);`);
  }, 120_000);
  afterAll(() => db?.close());

  it('answers with the same JS types as the in-thread adapter; COPY stores', async () => {
    await db.copyFrom('t', ['id', 'amount', 'd', 'j', 'ip'], '1\t2.5\t2026-01-01\t{"a":[1,2]}\t192.0.2.1\n');
    await db.copyFrom('t', ['id'], ''); // nothing to copy: no statement
    const ins = await db.query('INSERT INTO t (id, b) VALUES ($1, $2), ($3, $4)', [2, Buffer.from([0, 255]), 3, null]);
    expect(ins.rowCount).toBe(2);
    const r = await db.query<Record<string, unknown>>(
      'SELECT id, amount, d, at, j, b, host(ip) AS ip FROM t ORDER BY id',
    );
    expect(r.rows[0]).toMatchObject({ id: 1, amount: 2.5, d: '2026-01-01', j: { a: [1, 2] }, ip: '192.0.2.1' });
    expect(r.rows[0]!.at).toBeInstanceOf(Date);
    expect([...(r.rows[1]!.b as Uint8Array)]).toEqual([0, 255]);
    expect(r.rows.map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it('large byte values come back whole (moved from the thread, not cloned), beside small ones', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await db.query('INSERT INTO t (id, b) VALUES ($1, $2), ($3, $4), ($5, $6)', [
      20,
      big,
      21,
      big.subarray(100, 100 + 200_000),
      22,
      Buffer.from([1, 2, 3]),
    ]);
    const r = await db.query<{ id: number; b: Uint8Array; c: Uint8Array }>(
      'SELECT id, b, b AS c FROM t WHERE id BETWEEN 20 AND 22 ORDER BY id',
    );
    expect(Buffer.from(r.rows[0]!.b).equals(big)).toBe(true);
    expect(Buffer.from(r.rows[0]!.c).equals(big)).toBe(true);
    expect(Buffer.from(r.rows[1]!.b).equals(big.subarray(100, 100 + 200_000))).toBe(true);
    expect([...r.rows[2]!.b]).toEqual([1, 2, 3]);
    await db.query('DELETE FROM t WHERE id BETWEEN 20 AND 22');
  });

  it('a database error keeps its SQLSTATE and fields, and no stack from the other thread', async () => {
    const err = await db.query('INSERT INTO t (id) VALUES (1)').then(
      () => undefined,
      (e: unknown) => e as Error & { constraint?: string },
    );
    expect(sqlState(err)).toBe('23505');
    expect(err?.constraint).toBe('t_pkey');
    expect(err?.message).toMatch(/duplicate key/);
    expect(err?.stack ?? '').not.toMatch(/pglite-worker/);
    expect(isRetryableTransactionError(err)).toBe(false);
    expect(sqlState(await db.query('SELEC 1').catch((e: unknown) => e))).toBe('42601');
  });

  it('a transaction commits what its function did, or rolls it all back when it throws', async () => {
    const n = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES (10)');
      await tx.copyFrom('t', ['id'], '11\n');
      return (await tx.query<{ n: number }>('SELECT count(*)::int8 AS n FROM t WHERE id >= 10')).rows[0]!.n;
    });
    expect(n).toBe(2);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (12)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    // a statement failing inside: the error is the caller's, the transaction rolled back
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (13)');
        await tx.query('INSERT INTO t (id) VALUES (13)');
      }),
    ).rejects.toThrow(/duplicate key/);
    const ids = (await db.query<{ id: number }>('SELECT id FROM t WHERE id >= 10 ORDER BY id')).rows.map((x) => x.id);
    expect(ids).toEqual([10, 11]);
  });

  it('a transaction holds the connection: a statement from elsewhere runs after it, and sees all of it', async () => {
    const seen: string[] = [];
    await Promise.all([
      db.transaction(async (tx) => {
        seen.push('begin');
        await tx.query('SELECT pg_sleep(0.05)');
        await tx.query('INSERT INTO t (id) VALUES (20)');
        await tx.query('INSERT INTO t (id) VALUES (21)');
        seen.push('end');
      }),
      (async () => {
        await new Promise((r) => setImmediate(r));
        const r = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM t WHERE id IN (20, 21)');
        seen.push(`outside saw ${r.rows[0]!.n}`);
      })(),
    ]);
    expect(seen).toEqual(['begin', 'end', 'outside saw 2']);
  });

  it("while a long statement runs, the caller's thread goes on", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await db.query('SELECT pg_sleep(0.3)');
    } finally {
      clearInterval(timer);
    }
    // in the main thread PGlite would run the statement to its end first: not one tick
    expect(ticks).toBeGreaterThan(0);
  });

  it('dumps the database, which opens again elsewhere with its data', async () => {
    const dump = await db.dump();
    const copy = await PGliteThreadDatabase.open(undefined, { loadDataDir: await dump.arrayBuffer() });
    try {
      expect((await copy.query<{ n: number }>('SELECT count(*)::int8 AS n FROM t')).rows[0]!.n).toBe(7);
    } finally {
      await copy.close();
    }
  });

  it('once closed, every request fails at once with a clear error', async () => {
    const other = await PGliteThreadDatabase.open(undefined, { loadDataDir: await template() });
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow('the embedded database is closed');
    await expect(other.transaction(async () => undefined)).rejects.toThrow('the embedded database is closed');
    await other.close(); // twice: nothing more
  });
});
