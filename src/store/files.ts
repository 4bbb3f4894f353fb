// Repository of ingested files: one row per file or message that entered, plus its original bytes.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Queryable } from './database.js';

export type FileSource = 'upload' | 'imap' | 'cli' | 'api';
export type FileStatus = 'pending' | 'processing' | 'processed' | 'duplicate' | 'unsupported' | 'failed';

export interface IngestedFile {
  id: number;
  sha256: string;
  source: FileSource;
  name: string;
  size: number;
  contentType: string | null;
  receivedAt: Date;
  status: FileStatus;
  kind: string | null;
  error: string | null;
  warnings: string[];
  recovered: boolean;
  reportCount: number;
  recordCount: number;
  attempts: number;
  processedAt: Date | null;
}

const COLUMNS = `id, sha256, source, name, size, content_type AS "contentType", received_at AS "receivedAt", status,
  kind, error, warnings, recovered, report_count AS "reportCount", record_count AS "recordCount", attempts,
  processed_at AS "processedAt"`;

export interface NewFile {
  sha256: string;
  source: FileSource;
  name: string;
  contentType?: string | null;
  bytes: Uint8Array;
}

function isCompressed(b: Uint8Array): boolean {
  return (b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0x50 && b[1] === 0x4b);
}

/**
 * Inserts the file and its bytes unless a file with the same sha256 exists.
 * Returns the new id, or undefined when the bytes were already known.
 */
export async function insertFileIfNew(tx: Queryable, f: NewFile): Promise<number | undefined> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO ingested_files (sha256, source, name, size, content_type)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING RETURNING id`,
    [f.sha256, f.source, f.name, f.bytes.byteLength, f.contentType ?? null],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) return undefined;
  // Plain XML/MIME shrinks 10-20x; already-compressed containers are kept as they are.
  const compress = !isCompressed(f.bytes) && f.bytes.byteLength > 512;
  const data = compress ? gzipSync(f.bytes, { level: 6 }) : f.bytes;
  await tx.query('INSERT INTO file_contents (file_id, encoding, data) VALUES ($1, $2, $3)', [
    id,
    compress ? 'gzip' : 'identity',
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
  return id;
}

export async function findFileBySha256(db: Queryable, sha256: string): Promise<IngestedFile | undefined> {
  const r = await db.query<IngestedFile>(`SELECT ${COLUMNS} FROM ingested_files WHERE sha256 = $1`, [sha256]);
  return r.rows[0];
}

export async function getFile(db: Queryable, id: number): Promise<IngestedFile | undefined> {
  const r = await db.query<IngestedFile>(`SELECT ${COLUMNS} FROM ingested_files WHERE id = $1`, [id]);
  return r.rows[0];
}

/** The original bytes of a file, as they were received. */
export async function getFileBytes(db: Queryable, id: number): Promise<Uint8Array | undefined> {
  const r = await db.query<{ encoding: string; data: Uint8Array }>(
    'SELECT encoding, data FROM file_contents WHERE file_id = $1',
    [id],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return row.encoding === 'gzip' ? gunzipSync(row.data) : row.data;
}

/** Claims a file for processing. */
export async function markProcessing(db: Queryable, id: number): Promise<void> {
  await db.query(
    `UPDATE ingested_files SET status = 'processing', attempts = attempts + 1, error = NULL WHERE id = $1`,
    [id],
  );
}

export interface FileOutcome {
  status: Exclude<FileStatus, 'pending' | 'processing'>;
  kind: string | null;
  error: string | null;
  warnings: string[];
  recovered: boolean;
  reportCount: number;
  recordCount: number;
}

export async function recordOutcome(db: Queryable, id: number, o: FileOutcome): Promise<void> {
  await db.query(
    `UPDATE ingested_files SET status = $2, kind = $3, error = $4, warnings = $5::jsonb, recovered = $6,
       report_count = $7, record_count = $8, processed_at = now() WHERE id = $1`,
    [id, o.status, o.kind, o.error, JSON.stringify(o.warnings), o.recovered, o.reportCount, o.recordCount],
  );
}

export async function listFileIdsByStatus(db: Queryable, statuses: FileStatus[]): Promise<number[]> {
  const r = await db.query<{ id: number }>('SELECT id FROM ingested_files WHERE status = ANY($1::text[]) ORDER BY id', [
    statuses,
  ]);
  return r.rows.map((x) => x.id);
}

export interface FileReportRef {
  id: number;
  orgName: string;
  reportId: string;
  domain: string;
  records: number;
  messages: number;
}

/** The reports stored from a file. */
export async function reportsOfFile(db: Queryable, fileId: number): Promise<FileReportRef[]> {
  const r = await db.query<FileReportRef>(
    `SELECT id, org_name AS "orgName", report_id AS "reportId", domain, record_count AS records,
       message_count AS messages
     FROM reports WHERE file_id = $1 ORDER BY id`,
    [fileId],
  );
  return r.rows;
}

/** Files, newest first, optionally of some statuses; keyset-paginated on id. */
export async function listFiles(
  db: Queryable,
  opts: { statuses?: FileStatus[]; limit: number; beforeId?: number },
): Promise<{ items: IngestedFile[]; total: number; nextBeforeId: number | null }> {
  const cond: string[] = [];
  const params: unknown[] = [];
  if (opts.statuses && opts.statuses.length > 0) {
    params.push(opts.statuses);
    cond.push(`status = ANY($${params.length}::text[])`);
  }
  const countParams = [...params];
  const countWhere = cond.length > 0 ? `WHERE ${cond.join(' AND ')}` : '';
  if (opts.beforeId !== undefined) {
    params.push(opts.beforeId);
    cond.push(`id < $${params.length}`);
  }
  params.push(opts.limit + 1);
  const rows = await db.query<IngestedFile>(
    `SELECT ${COLUMNS} FROM ingested_files ${cond.length > 0 ? `WHERE ${cond.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const total = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ingested_files ${countWhere}`, countParams))
    .rows[0]?.n;
  const page = rows.rows.slice(0, opts.limit);
  return {
    items: page,
    total: total ?? 0,
    nextBeforeId: rows.rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
