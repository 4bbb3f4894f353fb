// Repository of ingested files: one row per file or message that entered, plus its original bytes.
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Queryable } from './database.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export type FileSource = 'upload' | 'imap' | 'cli' | 'api' | 'graph' | 'gmail' | 'maildir';
export type FileStatus = 'pending' | 'processing' | 'processed' | 'duplicate' | 'unsupported' | 'failed';

export interface IngestedFile {
  id: number;
  orgId: number;
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

const COLUMNS = `id, org_id AS "orgId", sha256, source, name, size, content_type AS "contentType", received_at AS "receivedAt", status,
  kind, error, warnings, recovered, report_count AS "reportCount", record_count AS "recordCount", attempts,
  processed_at AS "processedAt"`;

export interface NewFile {
  orgId: number;
  sha256: string;
  source: FileSource;
  name: string;
  contentType?: string | null;
  /** The bytes kept (a failure report's without the original message's body). */
  bytes: Uint8Array;
  /** Size of the file as received, when the kept bytes differ. */
  size?: number;
}

function isCompressed(b: Uint8Array): boolean {
  return (b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0x50 && b[1] === 0x4b);
}

/**
 * Inserts the file and its bytes unless the organisation has a file with the same sha256 (another organisation's
 * copy is neither seen nor reused). Returns the new id, or undefined when the bytes were already known.
 */
export async function insertFileIfNew(tx: Queryable, f: NewFile): Promise<number | undefined> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO ingested_files (org_id, sha256, source, name, size, content_type)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ON CONSTRAINT ingested_files_org_sha256 DO NOTHING RETURNING id`,
    [f.orgId, f.sha256, f.source, f.name, f.size ?? f.bytes.byteLength, f.contentType ?? null],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) return undefined;
  // Plain XML/MIME shrinks 10-20x; already-compressed containers are kept as they are.
  const compress = !isCompressed(f.bytes) && f.bytes.byteLength > 512;
  // (on the thread pool: a large upload compressed on the event loop would hold every other request)
  const data = compress ? await gzip(f.bytes, { level: 6 }) : f.bytes;
  await tx.query('INSERT INTO file_contents (file_id, encoding, data) VALUES ($1, $2, $3)', [
    id,
    compress ? 'gzip' : 'identity',
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
  return id;
}

export async function findFileBySha256(
  db: Queryable,
  orgId: number,
  sha256: string,
): Promise<IngestedFile | undefined> {
  const r = await db.query<IngestedFile>(`SELECT ${COLUMNS} FROM ingested_files WHERE org_id = $1 AND sha256 = $2`, [
    orgId,
    sha256,
  ]);
  return r.rows[0];
}

/** One of the organisation's files (undefined for another organisation's id). */
export async function getFile(db: Queryable, orgId: number, id: number): Promise<IngestedFile | undefined> {
  const r = await db.query<IngestedFile>(`SELECT ${COLUMNS} FROM ingested_files WHERE id = $1 AND org_id = $2`, [
    id,
    orgId,
  ]);
  return r.rows[0];
}

/** The original bytes of one of the organisation's files, as they were received. */
export async function getFileBytes(db: Queryable, orgId: number, id: number): Promise<Uint8Array | undefined> {
  const r = await db.query<{ encoding: string; data: Uint8Array }>(
    `SELECT c.encoding, c.data FROM file_contents c JOIN ingested_files f ON f.id = c.file_id
     WHERE c.file_id = $1 AND f.org_id = $2`,
    [id, orgId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return row.encoding === 'gzip' ? await gunzipWhole(row.data) : row.data;
}

/** Largest buffer the size hint may ask for (a damaged trailer must not reserve 4 GiB). */
const MAX_GUNZIP_CHUNK = 256 * 1024 * 1024;

/**
 * Our gzip of a file (one member): its trailer says the size (ISIZE), so zlib can write the bytes into one
 * buffer on the thread pool. In its default 16 KiB pieces, 50 MiB came back as 3,200 chunks joined by one
 * Buffer.concat on the event loop. The size only sizes the buffer; zlib checks the trailer itself.
 */
function gunzipWhole(data: Uint8Array): Promise<Buffer> {
  const isize =
    data.byteLength >= 18
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(data.byteLength - 4)
      : 0;
  // one byte over: a buffer filled exactly makes zlib allocate another one before it sees the end
  return gunzip(data, { chunkSize: Math.min(MAX_GUNZIP_CHUNK, Math.max(64 * 1024, isize + 1)) });
}

/** Replaces the kept bytes of one of the organisation's files (a failure report's copy without the body). */
export async function replaceFileBytes(tx: Queryable, orgId: number, id: number, bytes: Uint8Array): Promise<void> {
  const compress = !isCompressed(bytes) && bytes.byteLength > 512;
  const data = compress ? await gzip(bytes, { level: 6 }) : bytes;
  await tx.query(
    `UPDATE file_contents c SET encoding = $3, data = $4 FROM ingested_files f
     WHERE c.file_id = f.id AND f.id = $1 AND f.org_id = $2`,
    [id, orgId, compress ? 'gzip' : 'identity', Buffer.from(data.buffer, data.byteOffset, data.byteLength)],
  );
}

/** Claims a file for processing. */
export async function markProcessing(db: Queryable, orgId: number, id: number): Promise<void> {
  await db.query(
    `UPDATE ingested_files SET status = 'processing', attempts = attempts + 1, error = NULL
     WHERE id = $1 AND org_id = $2`,
    [id, orgId],
  );
}

/** Claims many files for processing with one statement (a batch). */
export async function markProcessingMany(db: Queryable, refs: readonly FileRef[]): Promise<void> {
  if (refs.length === 0) return;
  await db.query(
    `UPDATE ingested_files f SET status = 'processing', attempts = attempts + 1, error = NULL
     FROM unnest($1::int8[], $2::int8[]) AS u(org_id, id) WHERE f.id = u.id AND f.org_id = u.org_id`,
    [refs.map((r) => r.orgId), refs.map((r) => r.fileId)],
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

export async function recordOutcome(db: Queryable, orgId: number, id: number, o: FileOutcome): Promise<void> {
  await db.query(
    `UPDATE ingested_files SET status = $2, kind = $3, error = $4, warnings = $5::jsonb, recovered = $6,
       report_count = $7, record_count = $8, processed_at = now() WHERE id = $1 AND org_id = $9`,
    [id, o.status, o.kind, o.error, JSON.stringify(o.warnings), o.recovered, o.reportCount, o.recordCount, orgId],
  );
}

/** Records many files' outcomes with one statement (a batch, inside its transaction). */
export async function recordOutcomes(
  db: Queryable,
  outcomes: readonly { ref: FileRef; outcome: FileOutcome }[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const o = outcomes.map((x) => x.outcome);
  await db.query(
    `UPDATE ingested_files f SET status = u.status, kind = u.kind, error = u.error, warnings = u.warnings::jsonb,
       recovered = u.recovered, report_count = u.report_count, record_count = u.record_count, processed_at = now()
     FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::int4[],
       $9::int8[]) AS u(org_id, id, status, kind, error, warnings, recovered, report_count, record_count)
     WHERE f.id = u.id AND f.org_id = u.org_id`,
    [
      outcomes.map((x) => x.ref.orgId),
      outcomes.map((x) => x.ref.fileId),
      o.map((x) => x.status),
      o.map((x) => x.kind),
      o.map((x) => x.error),
      o.map((x) => JSON.stringify(x.warnings)),
      o.map((x) => x.recovered),
      o.map((x) => x.reportCount),
      o.map((x) => x.recordCount),
    ],
  );
}

/**
 * Whether a file is pending or processing and changed status less than `staleAfterMs` ago: a worker holds it
 * right now (another process is handling it), as opposed to one left behind by a crash.
 */
export async function isRecentlyClaimed(
  db: Queryable,
  orgId: number,
  fileId: number,
  staleAfterMs: number,
): Promise<boolean> {
  const r = await db.query<{ recent: boolean }>(
    `SELECT status IN ('pending', 'processing')
       AND status_changed_at > now() - ($2::float8 * interval '1 millisecond') AS recent
     FROM ingested_files WHERE id = $1 AND org_id = $3`,
    [fileId, staleAfterMs, orgId],
  );
  return r.rows[0]?.recent === true;
}

/** A file and the organisation it belongs to: what a job names. */
export interface FileRef {
  orgId: number;
  fileId: number;
}

/** Files of some statuses, of one organisation or (platform-wide maintenance) of all. */
export async function listFilesByStatus(db: Queryable, statuses: FileStatus[], orgId?: number): Promise<FileRef[]> {
  const r = await db.query<FileRef>(
    `SELECT org_id AS "orgId", id AS "fileId" FROM ingested_files
     WHERE status = ANY($1::text[]) AND ($2::int8 IS NULL OR org_id = $2) ORDER BY id`,
    [statuses, orgId ?? null],
  );
  return r.rows;
}

export interface FileReportRef {
  id: number;
  /** The reporter (JSON name as in RFC 7489). */
  orgName: string;
  reportId: string;
  domain: string;
  records: number;
  messages: number;
}

/** The reports stored from one of the organisation's files. */
export async function reportsOfFile(db: Queryable, orgId: number, fileId: number): Promise<FileReportRef[]> {
  const r = await db.query<FileReportRef>(
    `SELECT id, reporter_org AS "orgName", report_id AS "reportId", domain, record_count AS records,
       message_count AS messages
     FROM reports WHERE file_id = $1 AND org_id = $2 ORDER BY id`,
    [fileId, orgId],
  );
  return r.rows;
}

/** The organisation's files, newest first, optionally of some statuses; keyset-paginated on id. */
export async function listFiles(
  db: Queryable,
  orgId: number,
  opts: { statuses?: FileStatus[]; limit: number; beforeId?: number },
): Promise<{ items: IngestedFile[]; total: number; nextBeforeId: number | null }> {
  const cond: string[] = ['org_id = $1'];
  const params: unknown[] = [orgId];
  if (opts.statuses && opts.statuses.length > 0) {
    params.push(opts.statuses);
    cond.push(`status = ANY($${params.length}::text[])`);
  }
  const countParams = [...params];
  const countWhere = `WHERE ${cond.join(' AND ')}`;
  if (opts.beforeId !== undefined) {
    params.push(opts.beforeId);
    cond.push(`id < $${params.length}`);
  }
  params.push(opts.limit + 1);
  const rows = await db.query<IngestedFile>(
    `SELECT ${COLUMNS} FROM ingested_files WHERE ${cond.join(' AND ')}
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
