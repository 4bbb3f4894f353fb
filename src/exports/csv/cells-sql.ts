// The CSV cells written by PostgreSQL instead of csv-stringify (the fast path of a large export): a SELECT whose
// columns are the export's cells, for `COPY ... TO STDOUT WITH (FORMAT csv)`. PostgreSQL quotes a field exactly when
// the reference encoder does (a comma, a quote, CR or LF in it: RFC 4180), doubles quotes the same way, and writes
// NULL as nothing; what differs is made equal here — text neutralised as neutralise() does, empty text as NULL
// (COPY would write "" for it), booleans as true/false — and in csv-row-ends.ts (CRLF after each row).
import { FORMULA_CHARS, type Column } from './cells.js';

/** The formula characters' code points: ascii() of the text is an integer compared cheaply (0 for ''). */
const FORMULA_CODES = FORMULA_CHARS.map((ch) => ch.charCodeAt(0)).join(', ');

/** neutralise() in SQL, and '' as NULL: the text of a text cell. */
export function neutraliseSql(expr: string): string {
  return `CASE WHEN ascii(${expr}) IN (${FORMULA_CODES}) THEN '''' || ${expr} ELSE NULLIF(${expr}, '') END`;
}

function cellSql<R>(c: Column<R>): string {
  if (c.sql === undefined) throw new Error(`export column ${c.name} has no SQL`);
  // a word, a date or an address: nothing to neutralise (and each expression here is evaluated once)
  if (c.plain === true) return c.sql;
  if (c.type === 'text') return neutraliseSql(c.sql);
  if (c.type === 'boolean') return `CASE WHEN ${c.sql} THEN 'true' WHEN NOT ${c.sql} THEN 'false' END`;
  return c.sql;
}

/**
 * SELECT of the CSV cells of `columns` over the page query `page` (its rows as `b`), in `orderBy`'s order (the
 * page's own, which the planner keeps without sorting again).
 */
export function csvCellsSelect<R>(columns: readonly Column<R>[], page: string, orderBy: string): string {
  return `SELECT ${columns.map(cellSql).join(', ')} FROM (${page}) b ORDER BY ${orderBy}`;
}
