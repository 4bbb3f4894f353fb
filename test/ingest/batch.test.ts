// Files in batches (one transaction, a savepoint per report, one rollup upsert) give exactly what one file at a
// time gives: the whole corpus (aggregate, TLS and failure reports among the rest), a batch holding a duplicate,
// a bad report and mixed kinds, and a batch that dies half-way (nothing lost, nothing twice after a re-run).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml } from '../../bench/generator.js';
import type { ReportStored } from '../../src/events/report-stored.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { intakeFile, intakeFiles } from '../../src/ingest/intake.js';
import { processFiles } from '../../src/ingest/process-batch.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from '../../src/parse/types.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { listFilesByStatus } from '../../src/store/files.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { readManifest } from '../support/manifest.js';
import { DEFAULT_ORG_ID, recordingSink } from '../support/org.js';
import { arfMessage } from '../support/failure-report.js';

const orgId = DEFAULT_ORG_ID;
const limits = DEFAULT_UNPACK_LIMITS;
/** For the mixed batch: a report over 50 records is refused part-way, after 10-record batches were written. */
const tight = { limits: { ...DEFAULT_UNPACK_LIMITS, maxRecordsPerReport: 50 }, batchSize: 10 };
const corpus = readManifest().sort((a, b) => (a.path < b.path ? -1 : 1));

/** Everything the pipeline stores, without ids (which differ between runs), in a stable order. */
async function fingerprint(db: Queryable): Promise<Record<string, unknown[]>> {
  const q = async (sql: string): Promise<unknown[]> => (await db.query(sql)).rows;
  return {
    files: await q(
      `SELECT name, status, kind, error, warnings, recovered, report_count, record_count, attempts
       FROM ingested_files ORDER BY sha256`,
    ),
    reports: await q(
      `SELECT f.name AS file, r.part_name, r.reporter_org, r.report_id, r.domain, r.begin_at, r.day, r.reporter,
         r.record_count, r.message_count, r.dmarc_pass, r.warnings, r.recovered, r.facets, r.extensions,
         (SELECT count(*) FROM records c WHERE c.report_id = r.id) AS records,
         (SELECT coalesce(sum(count), 0) FROM records c WHERE c.report_id = r.id) AS messages
       FROM reports r JOIN ingested_files f ON f.id = r.file_id
       ORDER BY r.reporter_org, r.report_id, r.domain, r.begin_at`,
    ),
    daily: await q(
      `SELECT org_id, domain, day, reporter, disposition, dkim, spf, records, messages, dkim_auth_pass,
         spf_auth_pass FROM rollup_daily ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    ),
    sources: await q(
      `SELECT org_id, domain, day, reporter, host(source_ip) AS ip, disposition, dkim, spf, records, messages,
         dkim_auth_pass, spf_auth_pass FROM rollup_source_daily ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
    ),
    reasons: await q(
      `SELECT r.report_id, x.domain, x.day, x.reporter, x.reason, x.disposition, x.dkim, x.spf, x.records,
         x.messages FROM report_reasons x JOIN reports r ON r.id = x.report_id ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
    ),
    tls: await q(
      `SELECT t.report_id, t.domain, f.name AS file, (SELECT count(*) FROM tls_report_policies p WHERE p.report = t.id)
         AS policies FROM tls_reports t JOIN ingested_files f ON f.id = t.file_id ORDER BY 1, 2, 3`,
    ),
    failure: await q(
      `SELECT f.name AS file, x.part_name FROM failure_reports x JOIN ingested_files f ON f.id = x.file_id
       ORDER BY 1, 2`,
    ),
  };
}

/** The events without ids, in the order they were told. */
const eventsOf = (events: ReportStored[]): unknown[] =>
  events.map(({ kind, domain, begin, records, messages }) => ({ kind, domain, begin, records, messages }));

/** One file at a time, as before batches: intake, then processFile, file by file in order. */
async function oneByOne(
  db: Database,
  files: { name: string; bytes: Uint8Array }[],
  opts: { limits: UnpackLimits; batchSize?: number } = { limits },
): Promise<ReportStored[]> {
  const sink = recordingSink();
  for (const f of files) {
    const intake = await intakeFile(db, { orgId, bytes: f.bytes, name: f.name, source: 'cli' });
    if (intake.duplicate && intake.existing.status !== 'pending') continue;
    await processFile(db, { orgId, fileId: intake.fileId }, { ...opts, sink });
  }
  return sink.events;
}

/** The same files in batches of `size`: one intake transaction and one processing batch each. */
async function inBatches(
  db: Database,
  files: { name: string; bytes: Uint8Array }[],
  size: number,
  opts: { limits: UnpackLimits; batchSize?: number } = { limits },
): Promise<ReportStored[]> {
  const sink = recordingSink();
  for (let i = 0; i < files.length; i += size) {
    const chunk = files.slice(i, i + size);
    const intakes = await intakeFiles(
      db,
      chunk.map((f) => ({ orgId, bytes: f.bytes, name: f.name, source: 'cli' as const })),
    );
    const fresh = intakes.flatMap((x) => (x.duplicate ? [] : [{ ref: { orgId, fileId: x.fileId } }]));
    await processFiles(db, fresh, { ...opts, sink });
  }
  return sink.events;
}

/**
 * A database whose connection dies at the Nth records COPY inside a transaction: that statement and everything
 * after it fail (the server rolls the open transaction back), as when the process is killed mid-batch.
 */
function dyingAt(db: Database, copyNumber: number): Database {
  let copies = 0;
  let dead = false;
  const check = (): void => {
    if (dead) throw new Error('connection terminated');
  };
  const guard = (q: Queryable): Queryable => ({
    query: (sql, params) => (dead ? Promise.reject(new Error('connection terminated')) : q.query(sql, params)),
    copyFrom(table, columns, payload) {
      check();
      if (table === 'records' && ++copies === copyNumber) {
        dead = true;
        return Promise.reject(new Error('connection terminated'));
      }
      return q.copyFrom(table, columns, payload);
    },
  });
  return {
    kind: db.kind,
    query: (sql, params) => (dead ? Promise.reject(new Error('connection terminated')) : db.query(sql, params)),
    copyFrom: (table, columns, payload) => (check(), db.copyFrom(table, columns, payload)),
    transaction: (fn) =>
      dead ? Promise.reject(new Error('connection terminated')) : db.transaction((tx) => fn(guard(tx))),
    readOnly: (ms, fn) => db.readOnly(ms, fn),
    exec: (s) => db.exec(s),
    close: () => db.close(),
  };
}

/** The database, counting the transactions begun through it (a batch that falls back to single files begins more). */
function counting(db: Database): Database & { transactions: number } {
  const c = {
    transactions: 0,
    kind: db.kind,
    query: db.query.bind(db),
    copyFrom: db.copyFrom.bind(db),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      c.transactions++;
      return db.transaction(fn);
    },
    readOnly: db.readOnly.bind(db),
    exec: db.exec.bind(db),
    close: db.close.bind(db),
  };
  return c;
}

function report(seed: number, records: number, reportId = `batch-${seed}`): string {
  return syntheticReportXml({ seed, records, reportId, ipPool: 20 });
}

function failureMail(): Buffer {
  return arfMessage({
    feedback: [
      'Feedback-Type: auth-failure',
      'User-Agent: test/1.0',
      'Version: 1',
      'Auth-Failure: dmarc',
      'Original-Mail-From: bounce@example.com',
      'Arrival-Date: Tue, 14 Nov 2023 10:00:00 +0000',
      'Source-IP: 192.0.2.7',
      'Reported-Domain: example.com',
      '',
    ].join('\r\n'),
    originalType: 'text/rfc822-headers',
    original: [
      'From: someone@example.com',
      'To: victim@mail.example',
      'Subject: hello',
      'Message-ID: <m1@example.com>',
      '',
    ].join('\r\n'),
  });
}

function tlsReport(): string {
  return JSON.stringify({
    'organization-name': 'Mail Example',
    'date-range': { 'start-datetime': '2023-11-14T00:00:00Z', 'end-datetime': '2023-11-14T23:59:59Z' },
    'contact-info': 'tls@mail.example',
    'report-id': 'tls-batch-1',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'example.com' },
        summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 1 },
      },
    ],
  });
}

/** A batch with everything in it: a duplicate of an earlier file's report, a bad report, TLS and failure. */
function mixedFiles(): { name: string; bytes: Uint8Array }[] {
  const a = report(1, 30);
  return [
    { name: 'a.xml.gz', bytes: gzipSync(a) },
    { name: 'b.xml', bytes: Buffer.from(report(2, 12)) },
    // report a again in another container: a duplicate inside the batch
    { name: 'a-again.zip', bytes: zipSync({ 'a.xml': Buffer.from(a) }) },
    // over the record limit: refused part-way, after its header and some records were written
    { name: 'too-long.xml', bytes: Buffer.from(report(3, 60)) },
    { name: 'tls.json', bytes: Buffer.from(tlsReport()) },
    { name: 'failure.eml', bytes: failureMail() },
    { name: 'readme.txt', bytes: Buffer.from('not a report') },
    { name: 'c.xml.gz', bytes: gzipSync(report(4, 25)) },
    // the same bytes twice in one batch: one file
    { name: 'c-copy.xml.gz', bytes: gzipSync(report(4, 25)) },
  ];
}

describe.each(availableEngines())('batched ingest on %s', (engine) => {
  const open: TestDatabase[] = [];
  const fresh = async (): Promise<Database> => {
    const t = await openEngine(engine);
    open.push(t);
    return t.db;
  };
  let corpusFiles: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    corpusFiles = await Promise.all(
      corpus.map(async (row) => ({ name: row.path, bytes: new Uint8Array(await fs.readFile(row.absPath)) })),
    );
  });
  afterAll(async () => {
    for (const t of open) await t.drop();
  });

  it('the whole corpus in batches stores what one file at a time stores, to the last message and event', async () => {
    const [a, b] = [await fresh(), await fresh()];
    const eventsA = await oneByOne(a, corpusFiles);
    const eventsB = await inBatches(b, corpusFiles, 40);
    const [fa, fb] = [await fingerprint(a), await fingerprint(b)];
    expect(fa.reports!.length).toBeGreaterThan(50);
    expect(fa.tls!.length).toBeGreaterThan(0);
    expect(fa.failure!.length).toBeGreaterThan(0);
    expect(fb).toEqual(fa);
    expect(eventsOf(eventsB)).toEqual(eventsOf(eventsA));
  });

  it('a batch with a duplicate, a bad report and mixed kinds: every file ends as it would alone', async () => {
    const files = mixedFiles();
    const [a, b] = [await fresh(), await fresh()];
    const eventsA = await oneByOne(a, files, tight);
    const counted = counting(b);
    const eventsB = await inBatches(counted, files, files.length, tight);
    // one intake transaction and one batch: the bad report was undone inside the batch, which then committed
    expect(counted.transactions).toBe(2);
    const [fa, fb] = [await fingerprint(a), await fingerprint(b)];
    expect(fb).toEqual(fa);
    expect(eventsOf(eventsB)).toEqual(eventsOf(eventsA));
    const status = Object.fromEntries((fb.files as { name: string; status: string }[]).map((f) => [f.name, f.status]));
    expect(status).toEqual({
      'a.xml.gz': 'processed',
      'b.xml': 'processed',
      'a-again.zip': 'duplicate',
      'too-long.xml': 'failed',
      'tls.json': 'processed',
      'failure.eml': 'processed',
      'readme.txt': 'failed',
      'c.xml.gz': 'processed',
    });
    // the bad report left nothing behind: no report row, no records, no rollup counts
    expect((fb.reports as { report_id: string }[]).map((r) => r.report_id).sort()).toEqual([
      'batch-1',
      'batch-2',
      'batch-4',
    ]);
  });

  it('dmarc import batches a directory and counts every outcome as before', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-batch-'));
    try {
      const files = mixedFiles();
      for (const f of files) await fs.writeFile(path.join(dir, f.name), f.bytes);
      const [a, b] = [await fresh(), await fresh()];
      await oneByOne(
        a,
        [...files].sort((x, y) => (x.name < y.name ? -1 : 1)),
        { limits: tight.limits },
      );
      const sink = recordingSink();
      const s = await importFiles(b, [dir], { orgId, limits: tight.limits, sink });
      expect(s).toMatchObject({ files: 9, imported: 5, duplicates: 2, failed: 2, reports: 5 });
      expect(await fingerprint(b)).toEqual(await fingerprint(a));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a batch that dies half-way leaves its files unprocessed; a re-run stores each report once', async () => {
    const files = Array.from({ length: 12 }, (_, i) => ({
      name: `r${i}.xml`,
      bytes: Buffer.from(report(100 + i, 5 + i)),
    }));
    const [clean, crashed] = [await fresh(), await fresh()];
    await oneByOne(clean, files);

    // the connection dies at the 7th report's records: the whole batch is rolled back
    const dying = dyingAt(crashed, 7);
    const intakes = await intakeFiles(
      crashed,
      files.map((f) => ({ orgId, bytes: f.bytes, name: f.name, source: 'cli' as const })),
    );
    const refs = intakes.map((x) => ({ ref: { orgId, fileId: x.fileId } }));
    await expect(processFiles(dying, refs, { limits, sink: recordingSink() })).rejects.toThrow('connection terminated');
    // nothing of the batch was committed; every file is still claimed (as a sweep or --pending finds them)
    expect((await crashed.query<{ n: number }>('SELECT count(*) AS n FROM reports')).rows[0]!.n).toBe(0);
    expect((await crashed.query<{ n: number }>('SELECT count(*) AS n FROM rollup_daily')).rows[0]!.n).toBe(0);
    const left = await listFilesByStatus(crashed, ['pending', 'processing'], orgId);
    expect(left).toHaveLength(files.length);

    // the re-run, in a batch again: everything stored once, as in the run that never crashed
    const sink = recordingSink();
    const results = await processFiles(
      crashed,
      left.map((ref) => ({ ref })),
      { limits, sink },
    );
    expect(results.map((r) => r.status)).toEqual(files.map(() => 'processed'));
    expect(sink.events).toHaveLength(files.length);
    const [fc, fr] = [await fingerprint(clean), await fingerprint(crashed)];
    // the crashed run's files were tried twice
    expect({ ...fr, files: (fr.files as object[]).map((f) => ({ ...f, attempts: 1 })) }).toEqual(fc);
    // and a third run changes nothing: each report is its own file's already
    await processFiles(
      crashed,
      left.map((ref) => ({ ref })),
      { limits, sink: recordingSink() },
    );
    const again = await fingerprint(crashed);
    expect(again.reports).toEqual(fc.reports);
    expect(again.daily).toEqual(fc.daily);
    expect(again.sources).toEqual(fc.sources);
  });
});
