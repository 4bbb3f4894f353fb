// records.csv made by PostgreSQL (COPY, the fast path) is byte for byte the reference encoding (csv-stringify over
// the rows read by node-postgres) for tricky values — quotes, commas, LF, CR, CRLF, the formula starts = + - @ tab
// CR, unicode, empty text, NULLs, NULL and empty list items, fractional times — for every filter kind and page
// size; its keyset pages cover every row once; and another organisation's rows never appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsExport } from '../../src/exports/csv/records.js';
import { encodeExport, type EncodeOptions } from '../../src/exports/csv/stream.js';
import type { Queryable } from '../../src/store/database.js';
import { storeReports } from '../alerts/support.js';
import { availableEngines, openPostgres, type TestDatabase } from '../support/db.js';
import { createOrg } from '../support/org.js';

const TRICKY = [
  '=HYPERLINK("http://x","y")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '-5',
  '@SUM(1+1)',
  '\tTAB',
  '\rCR',
  'a,b',
  'say "hi"',
  '"',
  'line one\nline two',
  'cr\r\nlf',
  'trailing cr\r',
  '\n',
  '',
  ' spaced ',
  '\\.',
  "back\\slash 'quote'",
  'Почта Mail.Ru, 選択子, münchen.example, 😀',
  '＝fullwidth',
];

/** The same database without COPY: the reference path (rows through node-postgres, csv-stringify). */
const reference = (db: Queryable): Queryable => ({ query: db.query.bind(db), copyFrom: db.copyFrom.bind(db) });

async function csv(db: Queryable, filter: Parameters<typeof recordsExport.pages>[1], opts: Partial<EncodeOptions>) {
  const parts: Buffer[] = [];
  for await (const c of encodeExport(db, recordsExport, filter, { format: 'csv', ...opts })) {
    parts.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  }
  return Buffer.concat(parts);
}

describe.skipIf(!availableEngines().includes('postgres'))('records.csv made by PostgreSQL', () => {
  let t: TestDatabase;
  let orgA: number;
  let orgB: number;
  let copies = 0;
  /** The database with its COPY counted (to know the fast path ran). */
  let fast: Queryable;

  beforeAll(async () => {
    t = await openPostgres();
    orgA = (await createOrg(t.db, 'copy-a')).id;
    orgB = (await createOrg(t.db, 'copy-b')).id;
    const records = (n: number, fail: number) =>
      Array.from({ length: n }, (_, i) => ({
        ip: `192.0.2.${i + 1}`,
        count: i + 1,
        ...(i % fail === 0 ? { dkim: 'fail' as const, spf: 'fail' as const } : {}),
      }));
    await storeReports(t.db, orgA, [
      { domain: 'a.example', day: '2024-06-01', records: records(TRICKY.length, 3) },
      { domain: 'a.example', day: '2024-06-02', records: records(7, 2) },
      { domain: 'other-a.example', day: '2024-06-03', records: records(5, 5) },
    ]);
    await storeReports(t.db, orgB, [{ domain: 'b-secret.example', day: '2024-06-01', records: records(9, 2) }]);
    // the tricky values straight into the stored rows (the parser would trim, lower-case or drop many of them)
    const a = await t.db.query<{ report_id: number; idx: number }>(
      `SELECT report_id, idx FROM records WHERE org_id = $1 ORDER BY report_id, idx`,
      [orgA],
    );
    for (const [k, row] of a.rows.entries()) {
      const v = TRICKY[k % TRICKY.length]!;
      const w = TRICKY[(k + 7) % TRICKY.length]!;
      await t.db.query(
        `UPDATE records SET header_from = $3, envelope_from = $4, envelope_to = $5, disposition = $6,
           reason_types = $7::text[], reason_comments = $8::text[], dkim_domains = $9::text[],
           dkim_selectors = $10::text[], dkim_results = $11::text[], spf_domains = $12::text[]
         WHERE report_id = $1 AND idx = $2`,
        [
          row.report_id,
          row.idx,
          v,
          k % 4 === 0 ? null : w,
          k % 5 === 0 ? '' : v,
          k % 6 === 0 ? null : 'quarantine',
          k % 2 === 0 ? ['forwarded', v] : [],
          [v, null, '', w],
          [w],
          k % 3 === 0 ? [] : [null],
          k % 3 === 0 ? ['fail', 'PASS'] : ['fail'],
          [v, v],
        ],
      );
    }
    const reports = await t.db.query<{ id: number }>('SELECT id FROM reports WHERE org_id = $1 ORDER BY id', [orgA]);
    for (const [k, r] of reports.rows.entries()) {
      await t.db.query(
        `UPDATE reports SET reporter = $2, reporter_org = $3, report_id = $4,
           begin_at = begin_at + $5::interval, end_at = CASE WHEN $6 THEN NULL ELSE end_at END WHERE id = $1`,
        [r.id, TRICKY[k]!, TRICKY[k + 4]!, TRICKY[k + 8]!, k === 1 ? '0.123456 seconds' : '0', k === 2],
      );
    }
    fast = {
      ...reference(t.db),
      copyCsv: (sql, params) => {
        copies++;
        return t.db.copyCsv!(sql, params);
      },
    };
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('writes the reference bytes for every filter and page size', async () => {
    const filters = [
      { orgId: orgA },
      { orgId: orgA, domain: 'a.example' },
      { orgId: orgA, from: '2024-06-02', to: '2024-06-03' },
      { orgId: orgA, dmarc: 'fail' as const },
      { orgId: orgA, disposition: 'quarantine' as const },
      { orgId: orgA, sourceIp: '192.0.2.0/29' },
      { orgId: orgA, reason: 'forwarded' },
      { orgId: orgA, domain: 'none.example' },
    ];
    for (const f of filters) {
      const ref = await csv(reference(t.db), f, {});
      for (const pageSize of [1, 4, 20_000]) {
        const before = copies;
        const got = await csv(fast, f, { pageSize });
        expect(copies, JSON.stringify(f)).toBeGreaterThan(before);
        if (!got.equals(ref)) expect(got.toString(), `${JSON.stringify(f)}, pages of ${pageSize}`).toBe(ref.toString());
      }
    }
    // the tricky values did reach the file, neutralised and quoted
    const all = (await csv(fast, { orgId: orgA }, {})).toString();
    expect(all).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(all).toContain(`'-5`);
    expect(all).toContain(`"'\rCR"`);
    expect(all).toContain(`"cr\r\nlf"`);
    expect(all).toContain('Почта Mail.Ru, 選択子');
    expect(all.split('\r\n')[0]).toBe(recordsExport.columns.map((c) => c.name).join(','));
  });

  it('counts the rows as pages go, each row once', async () => {
    const seen: number[] = [];
    const out = await csv(fast, { orgId: orgA }, { pageSize: 4, onRows: (n) => seen.push(n) });
    const total = TRICKY.length + 7 + 5;
    expect(seen.at(-1)).toBe(total);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    const keys = out
      .toString()
      .split('\r\n')
      .filter((l) => /^\d+,\d+,/.test(l))
      .map((l) => l.split(',').slice(0, 2).join(','));
    expect(new Set(keys).size).toBe(total);
  });

  it("never writes another organisation's rows", async () => {
    const a = (await csv(fast, { orgId: orgA }, { pageSize: 4 })).toString();
    const b = (await csv(fast, { orgId: orgB }, { pageSize: 4 })).toString();
    expect(a).not.toContain('b-secret.example');
    expect(b).toContain('b-secret.example');
    expect(b).not.toContain('a.example');
    // 9 records and the header (orgB's values have no line breaks)
    expect(b.split('\r\n').filter((l) => l !== '')).toHaveLength(10);
    // a filter naming the other organisation's domain finds nothing
    const cross = (await csv(fast, { orgId: orgA, domain: 'b-secret.example' }, {})).toString();
    expect(cross.split('\r\n').filter((l) => l !== '')).toHaveLength(1);
  });
});
