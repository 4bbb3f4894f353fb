// POST /api/upload and the ingested files: per-file results, limits (413 with nothing kept), the request shapes
// that are refused, and the analytics cache (hits, and invalidation by an upload that stores a report).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../support/db.js';
import { CORPUS_DIR } from '../support/manifest.js';
import {
  countFiles,
  expectProblem,
  getJson,
  multipart,
  postUpload,
  startApi,
  syntheticReport,
  upload,
  walk,
  type TestApi,
} from './helpers.js';

const MAX_FILE = 64 * 1024;
const MAX_UPLOAD = 1024 * 1024;

interface FileDetail {
  id: number;
  name: string;
  status: string;
  error: string | null;
  kind: string | null;
  source: string;
  size: number;
  sha256: string;
  reportCount: number;
  recordCount: number;
  reports: { id: number; orgName: string; reportId: string; domain: string; records: number; messages: number }[];
}

interface Figures {
  reports: number;
  records: number;
  messages: number;
  dmarcPass: number;
  complianceRate: number | null;
}

const corpus = (p: string): Promise<Buffer> => fs.readFile(path.join(CORPUS_DIR, p));

describe.each(availableEngines())('upload and cache on %s', (engine) => {
  let api: TestApi;
  /** Synthetic report numbers are unique across the whole file, so that every upload is new bytes. */
  let seq = 0;
  const fresh = (opts: Parameters<typeof syntheticReport>[1] = {}): { name: string; bytes: string } => {
    const n = ++seq;
    return { name: `synthetic-${n}.xml`, bytes: syntheticReport(n, opts) };
  };

  beforeAll(async () => {
    api = await startApi(engine, {
      DMARC_MAX_FILE_BYTES: String(MAX_FILE),
      DMARC_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers a result per file: accepted (aggregate, SMTP TLS and failure reports), duplicate (same request and later request), rejected', async () => {
    const nice = await corpus('parsedmarc/nice-input.xml.gz');
    const parts = [
      { name: 'nice-input.xml.gz', bytes: nice, contentType: 'application/gzip' },
      { name: 'copy-of-nice.xml.gz', bytes: nice },
      { name: 'rfc8460.json', bytes: await corpus('parsedmarc/rfc8460.json'), contentType: 'application/json' },
      { name: 'linkedin.eml', bytes: await corpus('parsedmarc/dmarc_ruf_report_linkedin.eml') },
      { name: 'empty.xml', bytes: await corpus('parsedmarc/empty.xml') },
      { name: 'garbage.bin', bytes: 'this is not a report, just some text\n' },
      { name: 'malformed.xml', bytes: await corpus('dmarc_trollByte/malformed.xml') },
    ];
    const before = await countFiles(api.db);
    const results = await upload(api, parts);
    expect(results.map((r) => r.name)).toEqual(parts.map((p) => p.name));
    expect(results.map((r) => r.status)).toEqual([
      'accepted',
      'duplicate',
      'accepted', // an SMTP TLS report: stored by the background processing
      'accepted', // a failure report (RFC 6591)
      'rejected',
      'rejected',
      'accepted', // it holds XML: its failure is found by the background processing
    ]);
    for (const r of results) expect(Number.isSafeInteger(r.fileId) && r.fileId > 0).toBe(true);
    const [acc, dup, tls, arf, empty, garbage, malformed] = results;
    expect(dup!.fileId).toBe(acc!.fileId);
    expect(acc!.error).toBeNull();
    expect(dup!.error).toBeNull();
    expect(tls!.error).toBeNull();
    expect(arf!.error).toBeNull();
    expect(empty!.error).toMatch(/empty/);
    expect(garbage!.error).toMatch(/^not a DMARC report: /);
    // the copy is one file: six distinct files were kept
    expect((await countFiles(api.db)) - before).toBe(6);

    // the same bytes again in a later request: a duplicate of the same file, nothing new kept
    const again = await upload(api, [
      { name: 'renamed.gz', bytes: nice },
      { name: 'again.json', bytes: parts[2]!.bytes },
    ]);
    expect(again.map((r) => [r.status, r.fileId])).toEqual([
      ['duplicate', acc!.fileId],
      ['duplicate', tls!.fileId],
    ]);
    expect((await countFiles(api.db)) - before).toBe(6);

    await api.queue.drain();
    const file = (id: number) => getJson<FileDetail>(api, `/api/files/${id}`);
    const processed = await file(acc!.fileId);
    expect(processed).toMatchObject({
      id: acc!.fileId,
      name: 'nice-input.xml.gz',
      status: 'processed',
      error: null,
      kind: 'aggregate',
      source: 'upload',
      size: nice.byteLength,
      reportCount: 1,
      recordCount: 20,
    });
    // taken as the bytes arrived (received-bytes.ts): the hash of the whole file all the same
    expect(processed.sha256).toBe(createHash('sha256').update(nice).digest('hex'));
    expect(processed.reports).toEqual([
      expect.objectContaining({ orgName: 'google.com', domain: 'example.com', records: 20, messages: 3047 }),
    ]);
    // SMTP TLS reports are stored (GET /api/tls/reports); the file's reports list holds aggregate reports only
    expect(await file(tls!.fileId)).toMatchObject({ status: 'processed', kind: 'smtp_tls', reports: [] });
    expect(await file(arf!.fileId)).toMatchObject({ status: 'processed', kind: 'failure', reportCount: 1 });
    expect(await file(empty!.fileId)).toMatchObject({ status: 'failed', reports: [] });
    const failed = await file(malformed!.fileId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/not well-formed/);
    expect(failed.reports).toEqual([]);

    // the same report in another container: the file is a duplicate, not an error, and stores nothing
    const [zip] = await upload(api, [{ name: 'nice.zip', bytes: await corpus('parsedmarc/nice-input.xml.zip') }]);
    expect(zip!.status).toBe('accepted');
    await api.queue.drain();
    expect(await file(zip!.fileId)).toMatchObject({ status: 'duplicate', error: null, reportCount: 0, reports: [] });
  });

  it('GET /api/files/:id: 404 for a missing file, 400 for a bad id', async () => {
    expectProblem(await api.inject({ url: '/api/files/987654321' }), 404, 'file_not_found');
    expectProblem(await api.inject({ url: '/api/files/abc' }), 400, 'validation_failed');
    expectProblem(await api.inject({ url: '/api/files/0' }), 400, 'validation_failed');
    const huge = await api.inject({ url: '/api/files/99999999999999999999' });
    expect([400, 404]).toContain(huge.statusCode);
    expectProblem(huge, huge.statusCode);
  });

  it('GET /api/files filters by status and paginates newest first', async () => {
    const failed = await walk<FileDetail>(api, '/api/files?status=failed', 1);
    expect(failed.items.length).toBeGreaterThanOrEqual(3);
    for (const f of failed.items) {
      expect(f.status).toBe('failed');
      expect(f.error).toBeTruthy();
    }
    const ids = failed.items.map((f) => f.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const two = await walk<FileDetail>(api, '/api/files?status=failed,unsupported', 2);
    // (no kind in the upload is unsupported any more)
    expect(new Set(two.items.map((f) => f.status))).toEqual(new Set(['failed']));
    const all = await walk<FileDetail>(api, '/api/files', 3);
    expect(all.items.length).toBe(await countFiles(api.db));
    expect(new Set(all.items.map((f) => f.id)).size).toBe(all.items.length);
    const none = await getJson<{ items: unknown[]; total: number; nextCursor: string | null }>(
      api,
      '/api/files?status=pending',
    );
    expect(none).toEqual({ items: [], total: 0, nextCursor: null });
    expectProblem(await api.inject({ url: '/api/files?status=done' }), 400, 'validation_failed');
    expectProblem(await api.inject({ url: '/api/files?status=' }), 400, 'validation_failed');
    expectProblem(await api.inject({ url: '/api/files?cursor=nonsense' }), 400, 'invalid_cursor');
    expectProblem(await api.inject({ url: '/api/files?limit=0' }), 400, 'validation_failed');
  });

  it('takes 200 files in one request', async () => {
    const parts = Array.from({ length: 200 }, () => fresh({ domain: 'bulk.example', count: 2 }));
    const before = await countFiles(api.db);
    const results = await upload(api, parts);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(new Set(results.map((r) => r.fileId)).size).toBe(200);
    expect((await countFiles(api.db)) - before).toBe(200);
    await api.queue.drain();
    const s = await getJson<Figures>(api, '/api/rollup/summary?domain=bulk.example');
    expect(s).toMatchObject({ reports: 200, records: 200, messages: 400 });
  });

  it('refuses 201 files with 413 and keeps none of them', async () => {
    const before = await countFiles(api.db);
    const r = await postUpload(
      api,
      Array.from({ length: 201 }, () => fresh()),
    );
    expectProblem(r, 413);
    expect(await countFiles(api.db)).toBe(before);
  });

  it('refuses a file over DMARC_MAX_FILE_BYTES with 413 and keeps nothing of the request', async () => {
    const before = await countFiles(api.db);
    const big = `<?xml version="1.0"?><feedback>${' '.repeat(MAX_FILE)}</feedback>`;
    const r = await postUpload(api, [fresh(), fresh(), { name: 'big.xml', bytes: big }, fresh()]);
    const body = expectProblem(r, 413);
    expect(body.detail).toMatch(/big\.xml/);
    expect(await countFiles(api.db)).toBe(before);
    // exactly at the limit is fine
    const [atLimit] = await upload(api, [{ name: 'at-limit.bin', bytes: Buffer.alloc(MAX_FILE, 0x41) }]);
    expect(atLimit!.status).toBe('rejected');
    expect(await countFiles(api.db)).toBe(before + 1);
  });

  it('refuses a request over DMARC_MAX_UPLOAD_BYTES with 413 and keeps nothing', async () => {
    const before = await countFiles(api.db);
    // every file under the per-file limit, all of them together over the per-request limit
    const parts = Array.from({ length: 20 }, (_, i) => ({
      name: `pad-${i}.xml`,
      bytes: `${syntheticReport(100_000 + i)}<!--${'x'.repeat(MAX_FILE - 4096)}-->`,
    }));
    expect(expectProblem(await postUpload(api, parts), 413).detail).toMatch(/DMARC_MAX_UPLOAD_BYTES/);
    expect(await countFiles(api.db)).toBe(before);

    // without a Content-Length (chunked), the limit is found while reading
    const { payload, headers } = multipart(parts);
    const chunked = await api.inject({
      method: 'POST',
      url: '/api/upload',
      headers,
      payload: Readable.from([payload.subarray(0, 100_000), payload.subarray(100_000)]),
    });
    expect(expectProblem(chunked, 413).detail).toMatch(/DMARC_MAX_UPLOAD_BYTES/);
    expect(await countFiles(api.db)).toBe(before);
  });

  it('refuses a request without files (400), one that is not multipart (415) and a wrong field name (400)', async () => {
    const before = await countFiles(api.db);
    expectProblem(await postUpload(api, []), 400, 'no_files');
    expectProblem(await postUpload(api, [{ field: 'comment', bytes: 'hello' }]), 400, 'no_files');
    const json = await api.inject({ method: 'POST', url: '/api/upload', payload: { files: ['a'] } });
    expectProblem(json, 415);
    const raw = await api.inject({
      method: 'POST',
      url: '/api/upload',
      payload: syntheticReport(424242),
      headers: { 'content-type': 'application/xml' },
    });
    expectProblem(raw, 415);
    const wrong = expectProblem(
      await postUpload(api, [fresh(), { ...fresh(), field: 'file' }]),
      400,
      'unexpected_field',
    );
    expect(wrong.errors).toEqual([{ field: 'file', message: expect.any(String) }]);
    expect(await countFiles(api.db)).toBe(before);
  });

  it('POST /api/ingest/trigger queues the files left pending', async () => {
    const r = await api.inject({ method: 'POST', url: '/api/ingest/trigger' });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ queued: [expect.any(String)] });
    await api.queue.drain();
    const pending = await getJson<{ total: number }>(api, '/api/files?status=pending,processing');
    expect(pending.total).toBe(0);
  });

  describe('cache', () => {
    const stats = () =>
      getJson<{ backend: string; hits: number; misses: number; invalidations: number; ttlSeconds: number }>(
        api,
        '/api/cache/stats',
      );

    it('a repeated query is a HIT, an upload that stores a report makes the next one a MISS with new figures', async () => {
      const stored = fresh({ domain: 'cache.example', count: 5 });
      await upload(api, [stored]);
      await api.queue.drain();
      const s0 = await stats();
      expect(s0).toMatchObject({ backend: 'memory', ttlSeconds: 300 });

      const url = '/api/rollup/summary?domain=cache.example';
      const first = await api.inject({ url });
      expect(first.headers['x-cache']).toBe('MISS');
      const second = await api.inject({ url });
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.json()).toEqual(first.json());
      expect(first.json<Figures>()).toMatchObject({ reports: 1, messages: 5 });
      const s1 = await stats();
      expect(s1.hits - s0.hits).toBe(1);
      expect(s1.misses - s0.misses).toBe(1);

      // bytes already known store nothing: the cache stays
      const [dup] = await upload(api, [{ name: 'again.xml', bytes: stored.bytes }]);
      expect(dup!.status).toBe('duplicate');
      await api.queue.drain();
      expect((await api.inject({ url })).headers['x-cache']).toBe('HIT');
      expect((await stats()).invalidations).toBe(s1.invalidations);

      // a stored report invalidates every cached answer
      await upload(api, [fresh({ domain: 'cache.example', count: 7 })]);
      await api.queue.drain();
      const third = await api.inject({ url });
      expect(third.headers['x-cache']).toBe('MISS');
      expect(third.json<Figures>()).toMatchObject({ reports: 2, messages: 12 });
      expect((await api.inject({ url })).headers['x-cache']).toBe('HIT');
      const s2 = await stats();
      expect(s2.invalidations).toBeGreaterThan(s1.invalidations);
      expect(s2.hits).toBeGreaterThan(s1.hits);
      expect(s2.misses).toBeGreaterThan(s1.misses);
    });

    it('keys on the normalised filters: case, trailing dot and parameter order do not matter', async () => {
      const a = await api.inject({ url: '/api/rollup/summary?domain=cache.example&from=2020-01-01&to=2030-01-01' });
      expect(a.headers['x-cache']).toBe('MISS');
      const b = await api.inject({ url: '/api/rollup/summary?to=2030-01-01&domain=CACHE.example.&from=2020-01-01' });
      expect(b.headers['x-cache']).toBe('HIT');
      expect(b.json()).toEqual(a.json());
      // another filter value is another entry
      const c = await api.inject({ url: '/api/rollup/summary?domain=cache.example&from=2020-01-02&to=2030-01-01' });
      expect(c.headers['x-cache']).toBe('MISS');
    });

    it.each([
      '/api/rollup/summary',
      '/api/rollup/timeline',
      '/api/rollup/timeline?interval=month',
      '/api/rollup/sources',
      '/api/rollup/alignment',
      '/api/rollup/trends',
      '/api/domains',
      '/api/stats/summary',
      '/api/stats/by-date',
      '/api/stats/by-domain',
      '/api/stats/by-source-ip',
    ])('%s answers X-Cache MISS then HIT with the same body', async (url) => {
      await upload(api, [fresh({ domain: 'each.example' })]); // a new report: a cold cache
      await api.queue.drain();
      const a = await api.inject({ url });
      const b = await api.inject({ url });
      expect(a.statusCode).toBe(200);
      expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'HIT']);
      expect(b.json()).toEqual(a.json());
    });

    it('errors are not cached', async () => {
      const url = '/api/rollup/summary?from=2024-13-01';
      expectProblem(await api.inject({ url }), 400);
      const again = await api.inject({ url });
      expectProblem(again, 400);
      expect(again.headers['x-cache']).toBeUndefined();
    });
  });
});
