// The embedded database's data directory: one process at a time (a lock, taken over from a dead holder), and
// what to tell the user when it does not open. Shared by both ways of running PGlite (pglite.ts, pglite-thread.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import lockfile from 'proper-lockfile';
import { DatabaseUnavailableError } from './errors.js';

/** Another process holds the data directory (a running server, most often). */
export class DataDirLockedError extends DatabaseUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
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
export async function lockDataDir(dir: string, log?: { warn(msg: string): void }): Promise<() => Promise<void>> {
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
    throw new DataDirLockedError(
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
    throw new DataDirLockedError(`the embedded database at ${dir} is in use by another dmarc process`);
  }
}

/** Why the embedded database in `dir` did not open, in words a user can act on. */
export function openFailure(dir: string, err: unknown): DatabaseUnavailableError {
  // PGlite (WASM) reports a damaged or foreign data directory as "Aborted(). Build with -sASSERTIONS..."
  const reason = err instanceof Error && !/Aborted\(\)/.test(err.message) ? `: ${err.message.split('\n')[0]}` : '';
  return new DatabaseUnavailableError(
    `the embedded database in ${dir} cannot be opened${reason}. It may be damaged (a full disk, files changed ` +
      'by hand) or written by another PGlite version. Restore the directory from a backup, or move it away to ' +
      'start with an empty database (dmarc import re-reads report files).',
  );
}
