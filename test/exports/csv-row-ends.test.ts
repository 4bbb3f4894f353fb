// PostgreSQL's CSV rows (LF after each) rewritten with CRLF: only the row ends, never an LF or a CR inside a quoted
// field, whatever the chunk boundaries (every split of the text is tried, including inside a doubled quote); the
// row count and the last row's key fields; a text that stops inside a row is refused.
import { describe, expect, it } from 'vitest';
import { CsvRowEnds } from '../../src/exports/csv/csv-row-ends.js';

const PG_TEXT =
  '1,1,plain,"a,b"\n' +
  '1,2,"line one\nline two","say ""hi"""\n' +
  '1,3,,"\r"\n' +
  '2,1,"""","cr\r\nlf"\n' +
  '12,345,"ends with a quote ""\n""",Почта 選択子\n';
const CRLF_TEXT =
  '1,1,plain,"a,b"\r\n' +
  '1,2,"line one\nline two","say ""hi"""\r\n' +
  '1,3,,"\r"\r\n' +
  '2,1,"""","cr\r\nlf"\r\n' +
  '12,345,"ends with a quote ""\n""",Почта 選択子\r\n';

function rewrite(chunks: Buffer[], keyFields = 2): { out: Buffer; ends: CsvRowEnds } {
  const ends = new CsvRowEnds(keyFields);
  const out = Buffer.concat(chunks.map((c) => ends.push(c)));
  ends.end();
  return { out, ends };
}

describe('CsvRowEnds', () => {
  it('ends each row with CRLF and keeps line breaks inside quoted fields', () => {
    const { out, ends } = rewrite([Buffer.from(PG_TEXT)]);
    expect(out.toString()).toBe(CRLF_TEXT);
    expect(ends.rows).toBe(5);
    expect(ends.lastKey()).toEqual(['12', '345']);
  });

  it('gives the same bytes, count and key for every split into two and three chunks', () => {
    const bytes = Buffer.from(PG_TEXT);
    for (let i = 0; i <= bytes.length; i++) {
      const two = rewrite([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(two.out.toString(), `split at ${i}`).toBe(CRLF_TEXT);
      expect(two.ends.rows).toBe(5);
      expect(two.ends.lastKey(), `split at ${i}`).toEqual(['12', '345']);
      for (let j = i; j <= bytes.length; j += 7) {
        const three = rewrite([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        expect(three.out.equals(Buffer.from(CRLF_TEXT)), `split at ${i}, ${j}`).toBe(true);
        expect(three.ends.lastKey()).toEqual(['12', '345']);
      }
    }
  });

  it('handles many rows in one chunk and one byte at a time', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1},${i % 7},"x\n${i}"\n`).join('');
    const whole = rewrite([Buffer.from(rows)]);
    expect(whole.ends.rows).toBe(5000);
    expect(whole.ends.lastKey()).toEqual(['5000', '1']);
    expect(whole.out.toString()).toBe(rows.replace(/"\n/g, '"\r\n'));
    const small = Buffer.from(PG_TEXT);
    const bytes = Array.from({ length: small.length }, (_, i) => small.subarray(i, i + 1));
    const one = rewrite(bytes);
    expect(one.out.toString()).toBe(CRLF_TEXT);
    expect(one.ends.lastKey()).toEqual(['12', '345']);
  });

  it('has no key before a row, and refuses a text that stops inside a row or a quoted field', () => {
    const empty = rewrite([]);
    expect(empty.ends.rows).toBe(0);
    expect(empty.ends.lastKey()).toBeUndefined();
    const open = new CsvRowEnds(2);
    open.push(Buffer.from('1,2,"no end\n'));
    expect(() => open.end()).toThrow(/inside a row/);
    const cut = new CsvRowEnds(2);
    cut.push(Buffer.from('1,2,x\n3,4'));
    expect(() => cut.end()).toThrow(/inside a row/);
    const short = rewrite([Buffer.from('7\n')], 2);
    expect(() => short.ends.lastKey()).toThrow(/key fields/);
  });
});
