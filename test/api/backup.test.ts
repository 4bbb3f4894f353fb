// Backups of the embedded database while the server runs: POST /api/platform/backup taken while uploads are
// being stored, restored into a fresh data directory (dmarc restore's code), every figure equal — the summary
// rollup, report, record and file counts, every table's rows, the sequences. And the refusals: not a platform
// administrator, no credential.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../src/analytics/summary.js';
import { decodeBackup } from '../../src/store/backup-file.js';
import type { Database } from '../../src/store/database.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { restoreBackup } from '../../src/store/restore.js';
import { latestMigrationVersion } from '../../src/store/schema-version.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { expectProblem, startApi, syntheticReport, upload, type TestApi } from './helpers.js';

/** Every figure a restore must give back. */
async function figures(db: Database): Promise<Record<string, unknown>> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const rows: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    rows[table_name] = Number(
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table_name}`)).rows[0]!.n,
    );
  }
  const sequences = await db.query<{ name: string; last: number | null }>(
    `SELECT sequencename AS name, last_value::int AS last FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
  );
  const sums = await db.query(
    `SELECT (SELECT coalesce(sum(count), 0)::int FROM records) AS record_messages,
            (SELECT coalesce(sum(messages), 0)::int FROM rollup_daily) AS rollup_messages,
            (SELECT coalesce(sum(octet_length(data)), 0)::int FROM file_contents) AS kept_bytes,
            (SELECT string_agg(sha256, ',' ORDER BY id) FROM ingested_files) AS files`,
  );
  return {
    rows,
    sequences: sequences.rows,
    sums: sums.rows[0],
    summary: await summarise(db, { orgId: DEFAULT_ORG_ID }),
  };
}

describe('backup while uploads run, restore into a fresh data dir', () => {
  let api: TestApi;
  let tmp: string;
  const opened: Database[] = [];
  let seq = 0;
  const uploadSome = (n: number) =>
    upload(
      api,
      Array.from({ length: n }, () => {
        const k = ++seq;
        return { name: `synthetic-${k}.xml`, bytes: syntheticReport(k, { count: k }) };
      }),
    );
  const backup = async (): Promise<Buffer> => {
    const r = await api.inject({ method: 'POST', url: '/api/platform/backup' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="dmarc-backup-.*\.sql"$/);
    return r.rawPayload;
  };
  const restored = async (bytes: Buffer, name: string): Promise<Database> => {
    const dir = path.join(tmp, name, 'pgdata');
    await restoreBackup(dir, bytes);
    const db = await PGliteDatabase.open(dir);
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    api = await startApi('pglite');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-backup-'));
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await api?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('is consistent while uploads are stored, and a quiet one restores every figure', async () => {
    await uploadSome(5);
    await api.queue.drain();
    // uploads keep arriving (and being processed by the queue) while the backup is taken
    let uploading = true;
    const uploads = (async () => {
      let batches = 0;
      while (uploading || batches < 3) {
        await uploadSome(3);
        batches++;
      }
      return batches;
    })();
    const during = await backup();
    uploading = false;
    expect(await uploads).toBeGreaterThanOrEqual(3);
    await api.queue.drain();

    const { header } = decodeBackup(during, latestMigrationVersion());
    expect(header.schemaVersion).toBe(latestMigrationVersion());
    const midway = await restored(during, 'during');
    const m = await figures(midway);
    const sums = m.sums as { record_messages: number; rollup_messages: number; files: string };
    // one snapshot: the rollups agree with the records they were built from, every file it has is a prefix of
    // the files the server has now, and it has at least the reports stored before it began
    expect(sums.rollup_messages).toBe(sums.record_messages);
    const live = await figures(api.db);
    expect((live.sums as { files: string }).files.startsWith(sums.files)).toBe(true);
    expect((m.rows as Record<string, number>).reports).toBeGreaterThanOrEqual(5);
    expect((m.summary as { totals: { reports: number } }).totals.reports).toBe(
      (m.rows as Record<string, number>).reports,
    );

    // once the uploads are done: the restored database has every figure of the live one
    const quiet = await restored(await backup(), 'quiet');
    const q = await figures(quiet);
    expect(q).toEqual(live);
    expect((q.rows as Record<string, number>).reports).toBe(seq);
    expect((q.summary as { totals: { messages: number } }).totals.messages).toBe((seq * (seq + 1)) / 2);
  });

  it('is gzip-compressed on request, and the same backup', async () => {
    // (the backup's own audit entry is written after the dump)
    const before = await figures(api.db);
    const r = await api.inject({ method: 'POST', url: '/api/platform/backup?gzip=true' });
    expect(r.statusCode).toBe(200);
    expect([r.rawPayload[0], r.rawPayload[1]]).toEqual([0x1f, 0x8b]);
    const db = await restored(r.rawPayload, 'gzip');
    expect(await figures(db)).toEqual(before);
  });

  it('is for platform administrators only', async () => {
    const { user } = await api.auth.createUser({
      email: 'org-admin@example.com',
      name: 'org admin',
      password: 'correct horse battery staple',
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
    });
    const token = await api.auth.access.sign(user.id);
    const r = await api.app.inject({
      method: 'POST',
      url: '/api/platform/backup',
      headers: { authorization: `Bearer ${token}` },
    });
    expectProblem(r, 403, 'forbidden');
    expectProblem(await api.app.inject({ method: 'POST', url: '/api/platform/backup' }), 401, 'unauthenticated');
  });
});
