// `dmarc restore FILE`: a backup (backup-file.ts) into the embedded database's data directory. The file is
// checked whole before anything is touched; the target must hold no database (--force moves one aside, it never
// deletes it) and no process may hold it (its lock). The SQL runs in one transaction: a failure leaves the
// directory as empty as it was. Migrations newer than the backup run when the database is next opened.
import fs from 'node:fs/promises';
import { AppError } from '../model/errors.js';
import { decodeBackup, type BackupHeader } from './backup-file.js';
import { lockDataDir } from './pglite-data-dir.js';
import { PGliteDatabase } from './pglite.js';
import { latestMigrationVersion } from './schema-version.js';

export class DataDirNotEmptyError extends AppError {
  constructor(dir: string) {
    super(
      'data_dir_not_empty',
      `${dir} holds a database already: restore into an empty or new directory (--data-dir), ` +
        'or add --force to move the existing one aside first',
    );
    this.name = 'DataDirNotEmptyError';
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

export interface RestoreResult {
  header: BackupHeader;
  /** Where --force moved the database that was there. */
  movedAside?: string;
}

export async function restoreBackup(
  dir: string,
  bytes: Uint8Array,
  options: { force?: boolean; now?: Date } = {},
): Promise<RestoreResult> {
  const { header, sql } = decodeBackup(bytes, latestMigrationVersion());
  await fs.mkdir(dir, { recursive: true });
  // refuses while a server (or any dmarc process) holds the directory; taken again by the open below
  const release = await lockDataDir(dir);
  let movedAside: string | undefined;
  try {
    if (!(await isEmptyDir(dir))) {
      if (!options.force) throw new DataDirNotEmptyError(dir);
      movedAside = `${dir}.before-restore-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(dir, movedAside);
    }
  } finally {
    await release();
  }
  const db = await PGliteDatabase.open(dir);
  try {
    await db.exec(sql);
  } catch (err) {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
    if (movedAside) await fs.rename(movedAside, dir);
    throw new AppError('invalid_backup', `the backup's SQL failed: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  await db.close();
  return { header, ...(movedAside ? { movedAside } : {}) };
}
