// The dump behind backups on the server's own engine (PGlite in its thread, on a data dir): one snapshot taken
// while a transaction is open waits for it and holds all of it or none; the connection is as it was afterwards
// (no transaction left open, the search_path back). A backup whose SQL fails leaves the target as it was; a newer
// schema or format is refused.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBackup, encodeBackup } from '../../src/store/backup-file.js';
import { createBackup } from '../../src/store/backup.js';
import { PGliteThreadDatabase } from '../../src/store/pglite-thread.js';
import { restoreBackup } from '../../src/store/restore.js';
import { PGliteDatabase } from '../../src/store/pglite.js';

describe('the dump of PGlite in its thread', () => {
  let tmp: string;
  let db: PGliteThreadDatabase;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-dump-'));
    db = await PGliteThreadDatabase.open(path.join(tmp, 'source'));
    await db.exec(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY);
      INSERT INTO schema_migrations VALUES (1);
      CREATE TABLE t (id bigserial PRIMARY KEY, v text NOT NULL, b bytea);`);
  });
  afterAll(async () => {
    await db.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('waits for an open transaction and holds all of it; the connection is left as it was', async () => {
    const searchPath = async () => (await db.query<{ search_path: string }>('SHOW search_path')).rows[0]!.search_path;
    const pathBefore = await searchPath();
    await db.query(`INSERT INTO t (v, b) SELECT 'before-' || g, '\\x00ff'::bytea FROM generate_series(1, 100) g`);
    let dumped: Promise<Buffer> | undefined;
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t (v) SELECT 'inside-' || g FROM generate_series(1, 50) g`);
      // asked for in the middle of the transaction: must not see half of it
      dumped = createBackup(db).then((b) => b.bytes);
      await new Promise((r) => setTimeout(r, 200));
      await tx.query(`INSERT INTO t (v) SELECT 'inside-late-' || g FROM generate_series(1, 50) g`);
    });
    const bytes = await dumped!;
    // the connection after the dump: no transaction left open, search_path as before, writes work
    expect(await searchPath()).toBe(pathBefore);
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO t (v) VALUES ('after')`);
    });
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n).toBe(201);

    const dir = path.join(tmp, 'restored');
    const { header } = await restoreBackup(dir, bytes);
    expect(header.schemaVersion).toBe(1);
    const restored = await PGliteDatabase.open(dir);
    try {
      const r = await restored.query<{ before: number; inside: number; bytes: string }>(
        `SELECT count(*) FILTER (WHERE v LIKE 'before-%')::int AS before,
                count(*) FILTER (WHERE v LIKE 'inside%')::int AS inside,
                encode(min(b), 'hex') AS bytes FROM t`,
      );
      expect(r.rows[0]).toEqual({ before: 100, inside: 100, bytes: '00ff' });
      // the sequence goes on after the restored rows
      const next = await restored.query<{ id: number }>(`INSERT INTO t (v) VALUES ('new') RETURNING id`);
      expect(next.rows[0]!.id).toBe(201);
    } finally {
      await restored.close();
    }
  });

  it('a backup whose SQL fails leaves the target as it was, and puts back what --force moved aside', async () => {
    const broken = encodeBackup('CREATE TABLE x (id int);\nINSERT INTO nowhere VALUES (1);\n', {
      schemaVersion: 1,
      server: '18',
      createdAt: new Date(),
    });
    const dir = path.join(tmp, 'broken', 'pgdata');
    await expect(restoreBackup(dir, broken)).rejects.toMatchObject({
      code: 'invalid_backup',
      message: expect.stringContaining(`the backup's SQL failed: relation "nowhere" does not exist`),
    });
    await expect(fs.stat(dir)).rejects.toThrow();

    const kept = path.join(tmp, 'kept', 'pgdata');
    await fs.mkdir(kept, { recursive: true });
    await fs.writeFile(path.join(kept, 'PG_VERSION'), '18\n');
    await expect(restoreBackup(kept, broken, { force: true })).rejects.toMatchObject({ code: 'invalid_backup' });
    expect(await fs.readdir(kept)).toEqual(['PG_VERSION']);
    expect((await fs.readdir(path.dirname(kept))).filter((n) => n.includes('before-restore'))).toEqual([]);
  });

  it('a backup of a newer schema or format is refused', () => {
    const meta = { schemaVersion: 99, server: '18', createdAt: new Date() };
    expect(() => decodeBackup(encodeBackup('SELECT 1;', meta), 19)).toThrow(/newer than this dmarc's \(19\)/);
    const file = encodeBackup('SELECT 1;', { ...meta, schemaVersion: 1 })
      .toString('utf8')
      .replace('"format":1', '"format":2');
    expect(() => decodeBackup(Buffer.from(file), 19)).toThrow(/format 2, newer than this dmarc reads/);
    const header = encodeBackup('SELECT 1;', { ...meta, schemaVersion: 1 })
      .toString('utf8')
      .replace('"sha256"', '"x"');
    expect(() => decodeBackup(Buffer.from(header), 19)).toThrow(/header is damaged/);
    expect(decodeBackup(encodeBackup('SELECT 1;', { ...meta, schemaVersion: 1 }), 19).sql).toBe('SELECT 1;');
  });
});
