// PostgreSQL's CSV (COPY ... FORMAT csv) ends each row with LF; RFC 4180 and the exports' reference encoder end it
// with CRLF. CsvRowEnds rewrites the row ends only — an LF inside a quoted field is data and stays as it is — as
// the chunks come (the quote state carried from one chunk to the next), counts the rows, and keeps the first
// fields of the last row: the key where the next keyset page starts. Native searches (indexOf) and one copy per
// row into one output buffer per chunk, no per-row object. Pure: no I/O.

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Bytes enough for the key fields (two int8 numbers and their commas need 42). */
const KEY_BYTES = 64;

export class CsvRowEnds {
  /** Rows completed so far. */
  rows = 0;
  private inQuotes = false;
  /** Row-end offsets of the chunk being rewritten (reused between chunks). */
  private ends = new Int32Array(1024);
  /** The chunks from the start of the row being read, and its offset in the first. */
  private current: Buffer[] = [];
  private currentAt = 0;
  /** The same for the last completed row. */
  private last: Buffer[] = [];
  private lastAt = 0;

  /** @param keyFields how many leading fields make the key (unquoted, without a comma in them) */
  constructor(private readonly keyFields: number) {}

  /** The chunk with CRLF row ends. */
  push(chunk: Buffer): Buffer {
    const n = this.scan(chunk);
    if (n === 0) {
      if (chunk.length > 0) this.current.push(chunk);
      return chunk;
    }
    const ends = this.ends;
    // the last completed row began in this chunk after the previous end, or where the current row began
    if (n >= 2) {
      this.last = [chunk];
      this.lastAt = ends[n - 2]! + 1;
    } else {
      this.current.push(chunk);
      this.last = this.current;
      this.lastAt = this.currentAt;
    }
    this.current = [chunk];
    this.currentAt = ends[n - 1]! + 1;
    this.rows += n;

    const out = Buffer.allocUnsafe(chunk.length + n);
    let from = 0;
    let at = 0;
    for (let k = 0; k < n; k++) {
      const e = ends[k]!;
      at += chunk.copy(out, at, from, e);
      out[at++] = CR;
      out[at++] = LF;
      from = e + 1;
    }
    if (from < chunk.length) chunk.copy(out, at, from);
    return out;
  }

  /** The offsets of the row-ending LFs of the chunk into `ends`; their number. */
  private scan(chunk: Buffer): number {
    let n = 0;
    let i = 0;
    // the next quote at or after i (-1: none left in the chunk), searched again only once passed
    let quote = -2;
    for (;;) {
      if (this.inQuotes) {
        // to the closing quote (a doubled quote closes and opens again)
        const close = chunk.indexOf(QUOTE, i);
        if (close < 0) return n;
        this.inQuotes = false;
        i = close + 1;
      }
      if (quote === -2 || (quote >= 0 && quote < i)) quote = chunk.indexOf(QUOTE, i);
      const lf = chunk.indexOf(LF, i);
      if (quote >= 0 && (lf < 0 || quote < lf)) {
        this.inQuotes = true;
        i = quote + 1;
        continue;
      }
      if (lf < 0) return n;
      if (n === this.ends.length) {
        const grown = new Int32Array(n * 2);
        grown.set(this.ends);
        this.ends = grown;
      }
      this.ends[n++] = lf;
      i = lf + 1;
    }
  }

  /** Throws when the text stopped inside a quoted field or a row. */
  end(): void {
    const rest = this.current.reduce((s, b) => s + b.length, 0) - this.currentAt;
    if (this.inQuotes || rest > 0) throw new Error('the database CSV ended inside a row');
  }

  /** The key fields of the last completed row, as text (undefined before the first row). */
  lastKey(): string[] | undefined {
    if (this.rows === 0) return undefined;
    const head: Buffer[] = [];
    let size = 0;
    for (let k = 0; k < this.last.length && size < KEY_BYTES; k++) {
      const part = this.last[k]!.subarray(k === 0 ? this.lastAt : 0);
      head.push(part);
      size += part.length;
    }
    const bytes = Buffer.concat(head, Math.min(size, KEY_BYTES));
    const fields: string[] = [];
    let from = 0;
    while (fields.length < this.keyFields) {
      const comma = bytes.indexOf(COMMA, from);
      const lf = bytes.indexOf(LF, from);
      if (comma < 0 || (lf >= 0 && lf < comma))
        throw new Error('the database CSV row has fewer key fields than expected');
      fields.push(bytes.toString('latin1', from, comma));
      from = comma + 1;
    }
    return fields;
  }
}
