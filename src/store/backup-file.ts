// The backup file of the embedded database: one header line, then pg_dump's SQL. The header is an SQL comment,
// so `psql -f` runs the file as it is; it names the format, the schema version of the dump and the SHA-256 and
// length of the SQL, so that `dmarc restore` refuses a foreign, damaged or truncated file before it touches a data
// directory. The file may be gzip-compressed (`-o backup.sql.gz`); restore recognises it by its first bytes.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { z } from 'zod';
import { AppError } from '../model/errors.js';

export const BACKUP_FORMAT = 1;
const MARK = '-- dmarc-backup ';

const Header = z.object({
  format: z.number().int().positive(),
  /** The highest migration applied in the dumped database. */
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** PostgreSQL's version of the engine dumped (PGlite's). */
  server: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BackupHeader = z.infer<typeof Header>;

export class InvalidBackupError extends AppError {
  constructor(message: string) {
    super('invalid_backup', message);
    this.name = 'InvalidBackupError';
  }
}

function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** The file's bytes: header line and SQL, gzip-compressed when asked. */
export function encodeBackup(
  sql: string,
  meta: { schemaVersion: number; server: string; createdAt: Date },
  options: { gzip?: boolean } = {},
): Buffer {
  const body = Buffer.from(sql, 'utf8');
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    schemaVersion: meta.schemaVersion,
    createdAt: meta.createdAt.toISOString(),
    server: meta.server,
    bytes: body.length,
    sha256: sha256(body),
  };
  const file = Buffer.concat([Buffer.from(`${MARK}${JSON.stringify(header)}\n`, 'utf8'), body]);
  return options.gzip ? zlib.gzipSync(file) : file;
}

/**
 * Reads and checks a backup file: its format, that the SQL is whole (length and SHA-256) and that this version
 * of dmarc can restore it (its schema is not newer than `latestSchema`).
 */
export function decodeBackup(bytes: Uint8Array, latestSchema: number): { header: BackupHeader; sql: string } {
  let file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (file[0] === 0x1f && file[1] === 0x8b) {
    try {
      file = zlib.gunzipSync(file);
    } catch {
      throw new InvalidBackupError('the file is gzip-compressed but damaged or cut short');
    }
  }
  const eol = file.indexOf(0x0a);
  const first = file.subarray(0, eol === -1 ? Math.min(file.length, 200) : eol).toString('utf8');
  if (!first.startsWith(MARK)) {
    throw new InvalidBackupError(
      'this is not a dmarc backup (made by `dmarc backup`); a plain pg_dump file is restored with psql instead',
    );
  }
  let header: BackupHeader;
  try {
    header = Header.parse(JSON.parse(first.slice(MARK.length)));
  } catch {
    throw new InvalidBackupError('the backup header is damaged');
  }
  if (header.format > BACKUP_FORMAT) {
    throw new InvalidBackupError(
      `the backup is of format ${header.format}, newer than this dmarc reads: upgrade first`,
    );
  }
  const body = file.subarray(eol + 1);
  if (body.length !== header.bytes || sha256(body) !== header.sha256) {
    throw new InvalidBackupError(
      `the backup is damaged or incomplete (${body.length} of ${header.bytes} bytes, checksum ` +
        `${sha256(body) === header.sha256 ? 'matches' : 'differs'})`,
    );
  }
  if (header.schemaVersion > latestSchema) {
    throw new InvalidBackupError(
      `the backup's schema (version ${header.schemaVersion}) is newer than this dmarc's (${latestSchema}): ` +
        'restore it with the version that made it, or a later one',
    );
  }
  return { header, sql: body.toString('utf8') };
}
