// Export streams: keyset pages read from the database one at a time and encoded as they come, so that memory
// stays constant whatever the size. The consumer pulls (Readable.from in the API, a file write in the CLI):
// the next page is read only when the previous one has been taken, and not at all once the signal is aborted
// (the client went away).
import type { Queryable } from '../../store/database.js';
import { csvHeader, csvLines, ndjsonLines, type Column, type ExportFormat } from './cells.js';
import { CsvRowEnds } from './csv-row-ends.js';

/** Rows per database page. */
export const PAGE_SIZE = 5000;

export interface PageOptions {
  /** Aborted: no further page is read. */
  signal?: AbortSignal;
  pageSize?: number;
}

/** One export kind: its documented columns, its pages and, when cheap to know, how many rows it will have. */
export interface ExportKind<F, R> {
  name: string;
  columns: readonly Column<R>[];
  pages(db: Queryable, filter: F, opts: PageOptions): AsyncGenerator<R[]>;
  /** The number of rows, when it can be known without reading them (for a progress bar). */
  count?(db: Queryable, filter: F): Promise<number>;
  /** The same CSV rows encoded by PostgreSQL, when the database can (Queryable.copyCsv): see copyPages. */
  copy?: CopyPages<F>;
}

/**
 * An export's keyset pages as SELECTs of its CSV cells (cells-sql.ts), in key order, the key being the first
 * `keyFields` cells (unquoted: numbers). `after`: those cells of the previous page's last row as text.
 */
export interface CopyPages<F> {
  keyFields: number;
  page(filter: F, after: readonly string[] | undefined, limit: number): { sql: string; params: unknown[] };
}

/** Rows per page when PostgreSQL encodes them (no rows are held here: only what the socket has in flight). */
export const COPY_PAGE_SIZE = 20_000;

/**
 * Pages of a keyset-ordered query: `fetch(after, limit)` returns the rows after the key `after` (undefined: from
 * the start), in key order; the last row's key is where the next page starts. Ends on a short page.
 */
export async function* keysetPages<R, K>(
  fetch: (after: K | undefined, limit: number) => Promise<R[]>,
  keyOf: (row: R) => K,
  opts: PageOptions,
): AsyncGenerator<R[]> {
  const limit = opts.pageSize ?? PAGE_SIZE;
  let after: K | undefined;
  for (;;) {
    if (opts.signal?.aborted) return;
    const rows = await fetch(after, limit);
    if (rows.length > 0) yield rows;
    if (rows.length < limit) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

export interface EncodeOptions extends PageOptions {
  format: ExportFormat;
  /** CSV: start with a UTF-8 byte order mark (Excel then reads non-ASCII text right). */
  bom?: boolean;
  /** Called after each page with the rows written so far. */
  onRows?: (rows: number) => void;
}

/**
 * Rows encoded per chunk: a chunk of a few dozen KB stays in V8's young generation (a page of 5,000 rows as one
 * string, about a megabyte, would be a large object that only a full collection frees: the process would grow).
 */
export const CHUNK_ROWS = 200;

/**
 * The CSV rows of the export made by PostgreSQL, one COPY per keyset page, the chunks as they arrive with CRLF row
 * ends (UTF-8 bytes; a chunk may end inside a character). Byte for byte what csvLines writes for the same rows.
 */
export async function* copyPages<F>(
  copyCsv: NonNullable<Queryable['copyCsv']>,
  copy: CopyPages<F>,
  filter: F,
  opts: EncodeOptions,
): AsyncGenerator<Buffer> {
  const limit = opts.pageSize ?? COPY_PAGE_SIZE;
  let after: string[] | undefined;
  let written = 0;
  for (;;) {
    if (opts.signal?.aborted) return;
    const { sql, params } = copy.page(filter, after, limit);
    const rows = new CsvRowEnds(copy.keyFields);
    for await (const chunk of copyCsv(sql, params)) yield rows.push(chunk);
    rows.end();
    written += rows.rows;
    if (rows.rows > 0) opts.onRows?.(written);
    if (rows.rows < limit) return;
    after = rows.lastKey();
  }
}

/**
 * The export as chunks: the CSV header (even with no rows), then the pages, CHUNK_ROWS rows per chunk — or, for a
 * CSV the database can encode (the kind's `copy`, PostgreSQL), its pages as the database wrote them.
 */
export async function* encodeExport<F, R>(
  db: Queryable,
  kind: ExportKind<F, R>,
  filter: F,
  opts: EncodeOptions,
): AsyncGenerator<string | Buffer> {
  if (opts.format === 'csv') yield (opts.bom ? '\uFEFF' : '') + csvHeader(kind.columns);
  if (opts.format === 'csv' && kind.copy && db.copyCsv) {
    yield* copyPages(db.copyCsv.bind(db), kind.copy, filter, opts);
    return;
  }
  let written = 0;
  for await (const rows of kind.pages(db, filter, opts)) {
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const slice = rows.slice(i, i + CHUNK_ROWS);
      yield opts.format === 'csv' ? csvLines(kind.columns, slice) : ndjsonLines(kind.columns, slice);
    }
    written += rows.length;
    opts.onRows?.(written);
  }
}
