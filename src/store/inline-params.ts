// Bound parameters written into a statement that cannot bind them: PostgreSQL's COPY takes no parameters, so a
// `COPY (SELECT ... WHERE org_id = $1) TO STDOUT` gets its values as quoted literals. Each value becomes a string
// literal of unknown type ('42', 'example.com'), which PostgreSQL resolves from its context exactly as it does an
// untyped bound parameter; the quoting is node-postgres's own (escapeLiteral: quotes doubled, E'' with backslashes
// doubled when there is a backslash).
import pg from 'pg';

function literal(value: unknown, n: number): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (typeof value === 'number') {
    // the text node-postgres would send for it
    if (!Number.isFinite(value)) throw new TypeError(`parameter $${n} is not a finite number`);
    return `'${String(value)}'`;
  }
  if (typeof value === 'bigint') return `'${value.toString()}'`;
  if (typeof value === 'boolean') return value ? "'true'" : "'false'";
  // arrays, dates and objects have driver-specific text forms: not needed by any statement that is copied
  throw new TypeError(`parameter $${n} cannot be written into a statement (${typeof value})`);
}

/**
 * `sql` with every `$n` outside string literals, quoted identifiers and comments replaced by the n-th value as a
 * literal. Dollar-quoted strings are refused (their body could hold a `$n`); no statement of ours has one.
 */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      // to the closing quote; a doubled quote inside is an escaped one and is skipped by the loop
      let end = sql.indexOf(ch, i + 1);
      while (end >= 0 && sql[end + 1] === ch) end = sql.indexOf(ch, end + 2);
      if (end < 0) throw new SyntaxError('unterminated quoted text in a statement');
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SyntaxError('unterminated comment in a statement');
      out += sql.slice(i, end + 2);
      i = end + 2;
    } else if (ch === '$') {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (!m) throw new SyntaxError('dollar quoting cannot be written into a copied statement');
      const n = Number(m[1]);
      if (n < 1 || n > params.length) throw new RangeError(`parameter $${n} has no value`);
      out += literal(params[n - 1], n);
      i += m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
