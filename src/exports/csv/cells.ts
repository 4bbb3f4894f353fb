// The cells of an export: typed columns, the neutralisation of text that a spreadsheet would run as a formula,
// and the two encodings (RFC 4180 CSV through csv-stringify, NDJSON). Pure: no database, no I/O.
import { stringify } from 'csv-stringify/sync';

export type CellValue = string | number | boolean | null;

export interface Column<R> {
  /** Header of the CSV column and key of the NDJSON object (snake_case, stable: documented in docs/exports.md). */
  name: string;
  /** text: from a report or a user (neutralised in CSV); number: left numeric; boolean: true/false. */
  type: 'text' | 'number' | 'boolean';
  get: (row: R) => CellValue;
  /**
   * The same value computed by the database from the page row `b` (an export that PostgreSQL encodes: see
   * cells-sql.ts); number columns with it hold integers only (their text is then the same in SQL and here).
   */
  sql?: string;
  /**
   * The SQL value is never '' and never starts with a formula character (a fixed word, a date, an address): the
   * database writes it as it is, without the neutralisation's test.
   */
  plain?: boolean;
}

/** A value Excel, LibreOffice or Google Sheets would read as a formula (or a DDE command) when it starts so. */
export const FORMULA_CHARS = ['=', '+', '-', '@', '\t', '\r'] as const;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell as a spreadsheet shows it as text: a leading ' before = + - @ tab or CR (OWASP's advice for CSV
 * injection). Only for the CSV encoding: NDJSON carries the value as it is.
 */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Several values of one record (auth results, reasons) in one cell. */
export const LIST_SEPARATOR = '; ';
export const joinList = (values: readonly (string | null | undefined)[]): string =>
  values.map((v) => v ?? '').join(LIST_SEPARATOR);

export type ExportFormat = 'csv' | 'ndjson';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** The cells of one row for the CSV encoding: text neutralised, booleans as true/false, numbers as they are. */
function csvCells<R>(columns: readonly Column<R>[], row: R): (string | number)[] {
  const out: (string | number)[] = new Array<string | number>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const v = c.get(row);
    if (v === null) out[i] = '';
    else if (typeof v === 'number') out[i] = v;
    else if (typeof v === 'boolean') out[i] = v ? 'true' : 'false';
    // a number column never holds text, but what comes from a report is neutralised whatever its column says
    else out[i] = neutralise(v);
  }
  return out;
}

// RFC 4180: CRLF between records, fields with a comma, a quote, CR or LF quoted (csv-stringify quotes a lone LF
// only when asked to, since its record delimiter here is CRLF).
const CSV_OPTIONS = { record_delimiter: 'windows', quoted_match: /[\r\n]/, eof: true } as const;

/** The header line. */
export function csvHeader<R>(columns: readonly Column<R>[]): string {
  return stringify([columns.map((c) => neutralise(c.name))], CSV_OPTIONS);
}

/** Rows as CSV lines (CRLF after each). */
export function csvLines<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  if (rows.length === 0) return '';
  return stringify(
    rows.map((r) => csvCells(columns, r)),
    CSV_OPTIONS,
  );
}

/** Rows as NDJSON lines: one object per row with the columns' names and typed values. */
export function ndjsonLines<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  let out = '';
  for (const r of rows) {
    const o: Record<string, CellValue> = {};
    for (const c of columns) o[c.name] = c.get(r);
    out += `${JSON.stringify(o)}\n`;
  }
  return out;
}
