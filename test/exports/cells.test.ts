// The cells of the CSV exports: formula neutralisation (every leading character a spreadsheet runs), RFC 4180
// quoting through csv-stringify read back by csv-parse (quotes, commas, CR, LF, CRLF, non-ASCII), numbers
// bare, booleans and nulls; NDJSON with typed values and nothing neutralised.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvHeader, csvLines, ndjsonLines, neutralise, type Column } from '../../src/exports/csv/cells.js';

interface R {
  text: string | null;
  n: number | null;
  b: boolean | null;
}
const COLS: Column<R>[] = [
  { name: 'text', type: 'text', get: (r) => r.text },
  { name: 'n', type: 'number', get: (r) => r.n },
  { name: 'b', type: 'boolean', get: (r) => r.b },
];

const PAYLOADS = [
  '=HYPERLINK("http://x","y")',
  "+cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '-2+3',
  '\tTAB',
  '\rCR',
  '=1+1\n=2',
  "=cmd|'/c calc'!'A1'",
];

describe('neutralise', () => {
  it("prefixes a ' to text starting with = + - @ tab or CR", () => {
    for (const p of PAYLOADS) expect(neutralise(p), JSON.stringify(p)).toBe(`'${p}`);
  });
  it('leaves every other text as it is', () => {
    for (const t of ['', 'example.com', 'Почта Mail.Ru', ' =1', "'quoted", '1-2', 'a=b', '\n=1', '192.0.2.1']) {
      expect(neutralise(t)).toBe(t);
    }
  });
});

describe('CSV lines', () => {
  const read = (csv: string) => parse<Record<string, string>>(csv, { columns: true });

  it('round-trips quotes, commas, CR, LF, CRLF and non-ASCII; neutralises formulas', () => {
    const texts = [
      'plain',
      'a "quoted" word',
      'one, two',
      'line\nbreak',
      'carriage\rreturn',
      'windows\r\nline',
      'Почта Mail.Ru',
      'пример.рф',
      '選択子',
      '😀',
      ...PAYLOADS,
    ];
    const rows: R[] = texts.map((text, i) => ({ text, n: i, b: i % 2 === 0 }));
    const csv = csvHeader(COLS) + csvLines(COLS, rows);
    const back = read(csv);
    expect(back.map((x) => x.text)).toEqual(texts.map(neutralise));
    expect(back.map((x) => Number(x.n))).toEqual(rows.map((r) => r.n));
    expect(back.map((x) => x.b)).toEqual(rows.map((r) => String(r.b)));
  });

  it('writes CRLF after each record, numbers bare, null as an empty cell', () => {
    const csv =
      csvHeader(COLS) +
      csvLines(COLS, [
        { text: null, n: -12.5, b: null },
        { text: 'x', n: 0, b: false },
      ]);
    expect(csv).toBe('text,n,b\r\n,-12.5,\r\nx,0,false\r\n');
    // a negative number is a number, not a formula: only text is neutralised
    expect(csvLines(COLS, [{ text: '-12.5', n: -12.5, b: true }])).toBe("'-12.5,-12.5,true\r\n");
  });

  it('quotes a lone LF or CR (a record delimiter of CRLF alone would not)', () => {
    expect(csvLines(COLS, [{ text: 'a\nb', n: 1, b: null }])).toBe('"a\nb",1,\r\n');
    expect(csvLines(COLS, [{ text: 'a\rb', n: 1, b: null }])).toBe('"a\rb",1,\r\n');
  });

  it('writes nothing for no rows', () => {
    expect(csvLines(COLS, [])).toBe('');
  });
});

describe('NDJSON lines', () => {
  it('one object per line with typed values, text as it is', () => {
    const out = ndjsonLines(COLS, [
      { text: '=1+1', n: 3, b: true },
      { text: null, n: null, b: null },
    ]);
    expect(out.endsWith('\n')).toBe(true);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { text: '=1+1', n: 3, b: true },
      { text: null, n: null, b: null },
    ]);
  });
});
