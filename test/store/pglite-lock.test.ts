// The embedded database's lock and its errors (hardening findings: restarting within 30 s of a kill -9 said the
// data dir was "in use by another dmarc process" though none ran; a damaged one said "Aborted(). Build with
// -sASSERTIONS").
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { PGliteThreadDatabase } from '../../src/store/pglite-thread.js';
import { startDmarc } from '../jobs/support.js';
import { freePort } from '../support/redis-server.js';

// (both ways of running PGlite share the data directory's lock and its errors)
describe.each([
  ['in the main thread', PGliteDatabase],
  ['in a thread of its own', PGliteThreadDatabase],
] as const)('the embedded database lock, %s', (_, Engine) => {
  let base: string;
  let dir: string;
  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-lock-'));
    dir = path.join(base, 'pgdata');
  });
  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  /** The lock as a process killed with SIGKILL a moment ago leaves it: a fresh lock directory, its owner dead. */
  async function lockOfDeadProcess(): Promise<number> {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(child.stdout.toString());
    await fs.mkdir(`${dir}.lock`, { recursive: true });
    await fs.writeFile(`${dir}.lock.owner`, JSON.stringify({ pid, hostname: os.hostname() }));
    return pid;
  }

  it('a lock left by a process that no longer runs is taken over at once, and the log says so', async () => {
    const first = await Engine.open(dir);
    await first.query('CREATE TABLE kept (n int)');
    await first.query('INSERT INTO kept VALUES (42)');
    await first.close();
    const pid = await lockOfDeadProcess();
    const warnings: string[] = [];
    const db = await Engine.open(dir, { log: { warn: (m) => warnings.push(m) } });
    try {
      expect((await db.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 42 }]);
      expect(warnings.join('\n')).toMatch(new RegExp(`held by process ${pid}, which no longer runs`));
    } finally {
      await db.close();
    }
  });

  it('a lock held by a live process is refused, naming the process', async () => {
    const db = await Engine.open(dir);
    try {
      await expect(Engine.open(dir)).rejects.toThrow(
        new RegExp(`in use by another dmarc process \\(pid ${process.pid} on `),
      );
    } finally {
      await db.close();
    }
  });

  it('a damaged database says what is wrong and what to do', async () => {
    const db = await Engine.open(dir);
    await db.query('CREATE TABLE t (n int)');
    await db.close();
    await fs.writeFile(path.join(dir, 'global', 'pg_control'), Buffer.alloc(100));
    const err = await Engine.open(dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/cannot be opened/);
    expect(err?.message).toMatch(/Restore the directory from a backup, or move it away/);
    expect(err?.message).not.toMatch(/Aborted|ASSERTIONS/);
    // and the lock is released for the next attempt
    await expect(fs.stat(`${dir}.lock`)).rejects.toThrow();
  });
});

describe('dmarc serve on a data dir whose lock a dead process left', () => {
  it('takes it over and says so in its structured log, not as a bare line on stderr', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-lock-serve-'));
    const pgdata = path.join(dataDir, 'pgdata');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    await fs.mkdir(`${pgdata}.lock`, { recursive: true });
    await fs.writeFile(`${pgdata}.lock.owner`, JSON.stringify({ pid, hostname: os.hostname() }));
    const port = await freePort();
    const child = startDmarc(['serve'], {
      DATABASE_URL: '',
      REDIS_URL: '',
      DMARC_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    try {
      await child.waitForOutput(/serving on/, 110_000);
      const lines = child.output().split('\n');
      const taken = lines.filter((l) => l.includes(`held by process ${pid}, which no longer runs`));
      expect(taken).toHaveLength(1);
      expect(JSON.parse(taken[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/taken over$/) });
      expect(await child.stop(60_000)).toBe(0);
    } finally {
      await child.kill();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
