// Export streams read the database one keyset page at a time, as the consumer pulls: a slow consumer holds the
// reading back (no page read ahead of what was taken beyond one), an abort or a destroyed stream stops it, and the
// pages together are every row once, in key order.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeExport, keysetPages, type ExportKind } from '../../src/exports/csv/stream.js';
import type { Queryable } from '../../src/store/database.js';

const NO_DB = {} as Queryable;

/** A source of `n` rows keyed 1..n that counts its page reads. */
function counted(n: number) {
  const reads: (number | undefined)[] = [];
  const fetch = (after: number | undefined, limit: number): Promise<{ id: number }[]> => {
    reads.push(after);
    const start = (after ?? 0) + 1;
    const rows: { id: number }[] = [];
    for (let id = start; id <= Math.min(n, start + limit - 1); id++) rows.push({ id });
    return Promise.resolve(rows);
  };
  return { reads, fetch };
}

const kind = (fetch: (after: number | undefined, limit: number) => Promise<{ id: number }[]>) =>
  ({
    name: 'test',
    columns: [{ name: 'id', type: 'number', get: (r: { id: number }) => r.id }],
    pages: (_db: Queryable, _f: unknown, opts: { signal?: AbortSignal; pageSize?: number }) =>
      keysetPages(fetch, (r) => r.id, opts),
  }) satisfies ExportKind<unknown, { id: number }>;

describe('keysetPages', () => {
  it('reads every row once, in key order, and ends on a short page', async () => {
    const src = counted(25);
    const ids: number[] = [];
    for await (const page of keysetPages(src.fetch, (r) => r.id, { pageSize: 10 })) ids.push(...page.map((r) => r.id));
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(src.reads).toEqual([undefined, 10, 20]);
  });

  it('reads one more page when the last one was full, and yields no empty page', async () => {
    const src = counted(20);
    const sizes: number[] = [];
    for await (const page of keysetPages(src.fetch, (r) => r.id, { pageSize: 10 })) sizes.push(page.length);
    expect(sizes).toEqual([10, 10]);
    expect(src.reads).toEqual([undefined, 10, 20]);
  });

  it('stops reading once the signal is aborted', async () => {
    const src = counted(1000);
    const abort = new AbortController();
    let pages = 0;
    for await (const page of keysetPages(src.fetch, (r) => r.id, { pageSize: 10, signal: abort.signal })) {
      expect(page).toHaveLength(10);
      if (++pages === 2) abort.abort();
    }
    expect(pages).toBe(2);
    expect(src.reads).toHaveLength(2);
  });
});

describe('encodeExport through Readable.from (as the API sends it)', () => {
  it('reads pages only as the consumer pulls, and none after the stream is destroyed', async () => {
    const src = counted(1_000_000);
    const stream = Readable.from(encodeExport(NO_DB, kind(src.fetch), undefined, { format: 'csv', pageSize: 100 }), {
      objectMode: false,
    });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next(); // the header and what the stream buffers
    expect(String(first.value)).toMatch(/^id\r\n/);
    await new Promise((r) => setTimeout(r, 20));
    const before = src.reads.length;
    // a consumer that does not read: only a bounded read-ahead (the stream's buffer), not the 10,000 pages
    expect(before).toBeLessThan(20);
    stream.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect(src.reads.length).toBe(before);
  });

  it('writes the header even without rows, and counts rows as pages go', async () => {
    const seen: number[] = [];
    let out = '';
    for await (const c of encodeExport(NO_DB, kind(counted(0).fetch), undefined, { format: 'csv' })) out += c;
    expect(out).toBe('id\r\n');
    out = '';
    const opts = { format: 'ndjson' as const, pageSize: 2, onRows: (n: number) => seen.push(n) };
    for await (const c of encodeExport(NO_DB, kind(counted(5).fetch), undefined, opts)) out += c;
    expect(out).toBe('{"id":1}\n{"id":2}\n{"id":3}\n{"id":4}\n{"id":5}\n');
    expect(seen).toEqual([2, 4, 5]);
  });
});
