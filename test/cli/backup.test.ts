// `dmarc backup` and `dmarc restore` as a user runs them: a data dir with imported reports backed up and restored
// into a fresh one (the same summary), the same through a running server (--url), a backup older than the code
// (migrated on restore), and every refusal with its message and exit status: missing, foreign, damaged and
// truncated files, a target that holds a database, a data dir another process holds, PostgreSQL.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { lockDataDir } from '../../src/store/pglite-data-dir.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { createBackup } from '../../src/store/backup.js';
import { latestMigrationVersion } from '../../src/store/schema-version.js';
import { startApi, syntheticReport, upload } from '../api/helpers.js';
import { runCli, ROOT } from '../support/cli.js';
import { DEFAULT_ORG_ID } from '../support/org.js';

describe('dmarc backup / restore', () => {
  let tmp: string;
  let source: string;
  let backupFile: string;
  /** `dmarc backup` of the source, made first: every test restores it. */
  let made: { code: number; stdout: string; stderr: string };
  const envOf = (dir: string): Record<string, string> => ({ DMARC_DATA_DIR: dir });
  const summaryOf = async (dir: string): Promise<unknown> => {
    const r = await runCli(['summary', '--json'], envOf(dir));
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-backup-cli-'));
    source = path.join(tmp, 'source');
    backupFile = path.join(tmp, 'backup.sql');
    const r = await runCli(['import', path.join(ROOT, 'samples')], envOf(source));
    expect(r.code, r.stderr).toBe(0);
    made = await runCli(['backup', '-o', backupFile, '--json'], envOf(source));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('backs up a data dir and restores it into a fresh one: the same summary', async () => {
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain('dumping the embedded database');
    const b = JSON.parse(made.stdout) as { file: string; bytes: number; schemaVersion: number; from: string };
    expect(b).toMatchObject({ file: backupFile, schemaVersion: latestMigrationVersion(), from: 'data-dir' });
    expect((await fs.stat(backupFile)).size).toBe(b.bytes);

    const target = path.join(tmp, 'restored');
    const r = await runCli(['restore', backupFile, '--json'], envOf(target));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      schemaVersion: latestMigrationVersion(),
      migratedTo: latestMigrationVersion(),
      movedAside: null,
    });
    const restored = (await summaryOf(target)) as { totals: { reports: number; messages: number } };
    expect(restored.totals.reports).toBeGreaterThan(0);
    expect(restored).toEqual(await summaryOf(source));
  });

  it('refuses a missing, foreign, damaged or truncated file, touching nothing', async () => {
    const target = path.join(tmp, 'untouched');
    const missing = await runCli(['restore', path.join(tmp, 'nope.sql')], envOf(target));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');

    const foreign = path.join(tmp, 'foreign.sql');
    await fs.writeFile(foreign, 'CREATE TABLE x (id int);\n');
    const f = await runCli(['restore', foreign], envOf(target));
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('backup: this is not a dmarc backup');

    const bytes = await fs.readFile(backupFile);
    const truncated = path.join(tmp, 'truncated.sql');
    await fs.writeFile(truncated, bytes.subarray(0, bytes.length - 100));
    const t = await runCli(['restore', truncated], envOf(target));
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/damaged or incomplete \(\d+ of \d+ bytes/);

    const badGzip = path.join(tmp, 'bad.sql.gz');
    const gz = zlib.gzipSync(bytes);
    await fs.writeFile(badGzip, gz.subarray(0, gz.length / 2));
    const g = await runCli(['restore', badGzip], envOf(target));
    expect(g.code).toBe(1);
    expect(g.stderr).toContain('gzip-compressed but damaged');
    // nothing was created where the database would have gone
    await expect(fs.readdir(path.join(target, 'pgdata'))).rejects.toThrow();
  });

  it('refuses a data dir that holds a database, unless --force (which moves it aside)', async () => {
    const r = await runCli(['restore', backupFile], envOf(source));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds a database already');
    const before = await summaryOf(source);
    const forced = await runCli(['restore', backupFile, '--force', '--json'], envOf(source));
    expect(forced.code, forced.stderr).toBe(0);
    const { movedAside } = JSON.parse(forced.stdout) as { movedAside: string };
    expect(movedAside).toContain(`${path.join(source, 'pgdata')}.before-restore-`);
    expect((await fs.readdir(movedAside)).length).toBeGreaterThan(0);
    expect(await summaryOf(source)).toEqual(before);
  });

  it('refuses a data dir another process holds, and says how to back up a running server', async () => {
    const held = path.join(tmp, 'held');
    await fs.mkdir(path.join(held, 'pgdata'), { recursive: true });
    await fs.writeFile(path.join(held, 'pgdata', 'PG_VERSION'), '18\n');
    // this test's process holds it, as a running server would
    const release = await lockDataDir(path.join(held, 'pgdata'));
    try {
      const r = await runCli(['restore', backupFile], envOf(held));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('is in use by another dmarc process');
      const b = await runCli(['backup', '-o', path.join(tmp, 'held.sql')], envOf(held));
      expect(b.code).toBe(1);
      expect(b.stderr).toContain('dmarc backup --url http://localhost:8080');
      await expect(fs.stat(path.join(tmp, 'held.sql'))).rejects.toThrow();
    } finally {
      await release();
    }
  });

  it('restores a backup older than the code and migrates it', async () => {
    const old = await PGliteDatabase.open(undefined);
    const previous = latestMigrationVersion() - 1;
    await migrate(old, String(previous));
    const { bytes } = await createBackup(old);
    await old.close();
    const file = path.join(tmp, 'old.sql.gz');
    await fs.writeFile(file, zlib.gzipSync(bytes));
    const r = await runCli(['restore', file, '--json'], envOf(path.join(tmp, 'from-old')));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: previous, migratedTo: latestMigrationVersion() });
  });

  it('refuses to back up a data dir without a database', async () => {
    const empty = path.join(tmp, 'empty');
    const r = await runCli(['backup', '-o', path.join(tmp, 'empty.sql')], envOf(empty));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`there is no database in ${path.join(empty, 'pgdata')}`);
    await expect(fs.stat(path.join(tmp, 'empty.sql'))).rejects.toThrow();
  });

  it('with PostgreSQL, says to use pg_dump', async () => {
    const r = await runCli(['backup', '-o', path.join(tmp, 'pg.sql')], {
      DATABASE_URL: 'postgres://u:secret-pw@127.0.0.1:1/db',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pg_dump --format=custom');
    expect(r.stderr).not.toContain('secret-pw');
  });

  it('--help names the options', async () => {
    const r = await runCli(['backup', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--output', '--url', '--json', 'DMARC_API_KEY']) expect(r.stdout).toContain(o);
    const s = await runCli(['restore', '--help']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('--force');
  });
});

describe('dmarc backup --url: from the running server', () => {
  it('asks the server, which holds the data dir, with a platform administrator API key', async () => {
    const api = await startApi('pglite');
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-backup-url-'));
    try {
      await upload(api, [{ name: 'a.xml', bytes: syntheticReport(1, { count: 7 }) }]);
      await api.queue.drain();
      await api.app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
      const { user } = await api.auth.createUser({
        email: 'ops@example.com',
        name: 'ops',
        password: 'correct horse battery staple',
        platformAdmin: true,
        member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
      });
      const { key } = await api.auth.createApiKey(user.id, DEFAULT_ORG_ID, 'backups', null);
      const file = path.join(tmp, 'server.sql.gz');

      const noKey = await runCli(['backup', '-o', file, '--url', url], envOf(tmp));
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toContain('--url needs DMARC_API_KEY');
      const badKey = await runCli(['backup', '-o', file, '--url', url], { ...envOf(tmp), DMARC_API_KEY: 'nope' });
      expect(badKey.code).toBe(1);
      expect(badKey.stderr).toContain('the server refused the backup (401)');

      const r = await runCli(['backup', '-o', file, '--url', url, '--json'], { ...envOf(tmp), DMARC_API_KEY: key });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ from: 'server', schemaVersion: latestMigrationVersion() });
      const restoredDir = path.join(tmp, 'restored');
      const res = await runCli(['restore', file], envOf(restoredDir));
      expect(res.code, res.stderr).toBe(0);
      const s = await runCli(['summary', '--json'], envOf(restoredDir));
      expect(JSON.parse(s.stdout)).toMatchObject({ totals: { reports: 1, messages: 7 } });
    } finally {
      await api.close();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
  const envOf = (dir: string): Record<string, string> => ({ DMARC_DATA_DIR: dir });
});
