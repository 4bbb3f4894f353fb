// Export streams: keyset pages read from the database one at a time and encoded as they come, so that memory
// stays constant whatever the size. The consumer pulls (Readable.from in the API, a file write in the CLI):
// the next page is read only when the previous one has been taken, and not at all once the signal is aborted
// (the client went away).
import type { Queryable } from '../../store/database.js';
import { csvHeader, csvLines, ndjsonLines, type Column, type ExportFormat } from './cells.js';

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
}

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

/** The export as text chunks: the CSV header (even with no rows), then the pages, CHUNK_ROWS rows per chunk. */
export async function* encodeExport<F, R>(
  db: Queryable,
  kind: ExportKind<F, R>,
  filter: F,
  opts: EncodeOptions,
): AsyncGenerator<string> {
  if (opts.format === 'csv') yield (opts.bom ? '\uFEFF' : '') + csvHeader(kind.columns);
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
