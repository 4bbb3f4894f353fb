// The pipeline's seams on every engine: the report-kind registry, the "report stored" sink (told once per stored
// report, after its commit, never for a duplicate; a failing listener does not fail the import) and the scoping
// of ingestion by organisation (the same file in two organisations is stored twice, once in each).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml, type SyntheticTotals } from '../../bench/generator.js';
import { summarise } from '../../src/analytics/summary.js';
import { fanOut, type ReportStored, type ReportStoredSink } from '../../src/events/report-stored.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { intakeFile, sha256Hex } from '../../src/ingest/intake.js';
import { aggregateKind } from '../../src/ingest/kinds/aggregate.js';
import { REPORT_KINDS, kindOf } from '../../src/ingest/kinds/index.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS, type UnpackedPart } from '../../src/parse/types.js';
import { unpack } from '../../src/parse/unpack/index.js';
import type { Database } from '../../src/store/database.js';
import { getFile } from '../../src/store/files.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg, recordingSink } from '../support/org.js';

const limits = DEFAULT_UNPACK_LIMITS;

interface StoredRow {
  id: number;
  org_id: number;
  file_id: number;
  domain: string;
  begin: number | null;
  record_count: number;
  message_count: number;
}

const ROW_SQL = `SELECT id, org_id, file_id, domain, extract(epoch FROM begin_at)::int8 AS begin, record_count,
  message_count FROM reports`;

/** The event a stored report must have been announced with. */
const eventOf = (r: StoredRow): ReportStored => ({
  orgId: r.org_id,
  kind: 'aggregate',
  reportId: r.id,
  fileId: r.file_id,
  domain: r.domain,
  begin: r.begin,
  records: r.record_count,
  messages: r.message_count,
});

const byReportId = (a: ReportStored, b: ReportStored): number => a.reportId - b.reportId;

/**
 * A listener that reads the report it is told of back through the database handle, i.e. (PostgreSQL) on another
 * connection of the pool than the report's transaction: it only finds it there once that transaction committed.
 */
function committedProbe(db: Database): ReportStoredSink & { seen: (StoredRow | undefined)[] } {
  const seen: (StoredRow | undefined)[] = [];
  return {
    seen,
    reportStored: async (e) => {
      seen.push((await db.query<StoredRow>(`${ROW_SQL} WHERE id = $1`, [e.reportId])).rows[0]);
    },
  };
}

describe.each(availableEngines())('report kinds, the report-stored sink and organisations on %s', (engine) => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await openEngine(engine);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-report-kinds-'));
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Writes files into a new directory of their own; returns it. */
  async function writeDir(name: string, files: Record<string, Uint8Array>): Promise<string> {
    const d = path.join(dir, name);
    await fs.mkdir(d);
    for (const [f, bytes] of Object.entries(files)) await fs.writeFile(path.join(d, f), bytes);
    return d;
  }

  async function rowsWhere(sql: string, params: unknown[]): Promise<StoredRow[]> {
    return (await t.db.query<StoredRow>(`${ROW_SQL} WHERE ${sql} ORDER BY id`, params)).rows;
  }

  describe('report-kind registry', () => {
    it("an XML aggregate part is handled by the 'aggregate' kind, and the file's kind is 'aggregate'", async () => {
      expect(REPORT_KINDS.map((k) => k.kind)).toContain('aggregate');
      const xml = Buffer.from(syntheticReportXml({ seed: 100, records: 3, domain: 'kind.example' }));
      const bytes = zipSync({ 'kind.xml.gz': gzipSync(xml) });
      const parts: UnpackedPart[] = [];
      for await (const p of unpack(bytes, 'kind.zip', limits)) parts.push(p);
      expect(parts.map((p) => p.type)).toEqual(['xml']);
      expect(kindOf(parts[0]!)).toBe(aggregateKind);
      expect(kindOf(parts[0]!)?.kind).toBe('aggregate');
      // the kinds registered, first match wins
      expect(REPORT_KINDS.map((k) => k.kind)).toEqual(['aggregate', 'smtp_tls', 'failure']);

      const intake = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes, name: 'kind.zip', source: 'cli' });
      const ref = { orgId: DEFAULT_ORG_ID, fileId: intake.fileId };
      const sink = recordingSink();
      const r = await processFile(t.db, ref, { limits, sink });
      expect(r.status).toBe('processed');
      expect(r.kind).toBe('aggregate');
      expect((await getFile(t.db, DEFAULT_ORG_ID, intake.fileId))!.kind).toBe('aggregate');
      expect(sink.events.map((e) => e.kind)).toEqual(['aggregate']);
    });
  });

  describe('the report-stored sink', () => {
    it('importFiles tells it once per stored report, after commit, with the stored figures', async () => {
      const totals: Record<string, SyntheticTotals> = {};
      const report = (seed: number, records: number, domain: string): Buffer => {
        totals[domain] = { records: 0, messages: 0, dmarcPass: 0 };
        return Buffer.from(syntheticReportXml({ seed, records, domain, reportId: `sink-${seed}` }, totals[domain]));
      };
      const d = await writeDir('import', {
        'a.xml': report(201, 40, 'sink-a.example'),
        'b.zip': zipSync({ 'b1.xml': report(202, 7, 'sink-b1.example'), 'b2.xml': report(203, 0, 'sink-b2.example') }),
      });
      const recording = recordingSink();
      const probe = committedProbe(t.db);
      const s = await importFiles(t.db, [d], { orgId: DEFAULT_ORG_ID, limits, sink: fanOut([recording, probe]) });
      expect(s).toMatchObject({ files: 2, imported: 2, duplicates: 0, failed: 0, reports: 3, records: 47 });

      const rows = await rowsWhere('domain = ANY($1::text[])', [Object.keys(totals)]);
      expect(rows).toHaveLength(3);
      expect([...recording.events].sort(byReportId)).toEqual(rows.map(eventOf));
      for (const e of recording.events) {
        expect(e.records, e.domain).toBe(totals[e.domain]!.records);
        expect(e.messages, e.domain).toBe(totals[e.domain]!.messages);
        expect(e.orgId).toBe(DEFAULT_ORG_ID);
      }
      // the listener found each report committed when it was told
      expect(probe.seen).toHaveLength(3);
      expect(probe.seen.map((r) => r && eventOf(r))).toEqual(recording.events);
    });

    it('processFile tells it once per stored report, after commit', async () => {
      const totals: SyntheticTotals = { records: 0, messages: 0, dmarcPass: 0 };
      const xml = Buffer.from(
        syntheticReportXml({ seed: 210, records: 321, domain: 'sink-process.example', reportId: 'p-1' }, totals),
      );
      const intake = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: xml, name: 'p.xml', source: 'upload' });
      const recording = recordingSink();
      const probe = committedProbe(t.db);
      const r = await processFile(
        t.db,
        { orgId: DEFAULT_ORG_ID, fileId: intake.fileId },
        { limits, sink: fanOut([recording, probe]), batchSize: 100 },
      );
      expect(r).toMatchObject({ status: 'processed', reportsStored: 1, recordCount: 321 });
      const rows = await rowsWhere('file_id = $1', [intake.fileId]);
      expect(rows).toHaveLength(1);
      expect(recording.events).toEqual([eventOf(rows[0]!)]);
      expect(recording.events[0]).toMatchObject({
        fileId: intake.fileId,
        domain: 'sink-process.example',
        records: totals.records,
        messages: totals.messages,
      });
      expect(probe.seen).toEqual(rows);
    });

    it('is not told of duplicate reports, nor of known bytes', async () => {
      const xml = Buffer.from(syntheticReportXml({ seed: 220, records: 12, domain: 'sink-dup.example' }));
      const first = recordingSink();
      const d1 = await writeDir('dup-1', { 'r.xml': xml });
      expect(await importFiles(t.db, [d1], { orgId: DEFAULT_ORG_ID, limits, sink: first })).toMatchObject({
        imported: 1,
        reports: 1,
      });
      expect(first.events).toHaveLength(1);

      // the same report in other containers (new bytes): a duplicate report, through importFiles and processFile
      const again = recordingSink();
      const d2 = await writeDir('dup-2', { 'r.xml.gz': gzipSync(xml), 'r.zip': zipSync({ 'r.xml': xml }) });
      expect(await importFiles(t.db, [d2], { orgId: DEFAULT_ORG_ID, limits, sink: again })).toMatchObject({
        files: 2,
        imported: 0,
        duplicates: 2,
        reports: 0,
      });
      const zip = zipSync({ 'renamed.xml': xml });
      const intake = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: zip, name: 'renamed.zip', source: 'imap' });
      expect(intake.duplicate).toBe(false);
      const r = await processFile(t.db, { orgId: DEFAULT_ORG_ID, fileId: intake.fileId }, { limits, sink: again });
      expect(r).toMatchObject({ status: 'duplicate', reportsStored: 0, reportsDuplicate: 1 });
      // the same bytes again: nothing processed
      expect(await importFiles(t.db, [d1], { orgId: DEFAULT_ORG_ID, limits, sink: again })).toMatchObject({
        duplicates: 1,
        reports: 0,
      });
      expect(again.events).toEqual([]);
      expect(await rowsWhere(`domain = 'sink-dup.example'`, [])).toHaveLength(1);
    });

    it('a listener that throws does not fail the import; the other listeners are still told', async () => {
      const xml = Buffer.from(syntheticReportXml({ seed: 230, records: 9, domain: 'sink-throws.example' }));
      const d = await writeDir('throws', { 'r.xml': xml });
      const errors: [string, number][] = [];
      const recording = recordingSink();
      const sink = fanOut(
        [
          { reportStored: () => Promise.reject(new Error('listener rejected')) },
          {
            reportStored: () => {
              throw new Error('listener threw');
            },
          },
          recording,
        ],
        (err, e) => errors.push([(err as Error).message, e.reportId]),
      );
      const s = await importFiles(t.db, [d], { orgId: DEFAULT_ORG_ID, limits, sink });
      expect(s).toMatchObject({ files: 1, imported: 1, failed: 0, reports: 1, records: 9, failures: [] });
      const rows = await rowsWhere(`domain = 'sink-throws.example'`, []);
      expect(rows).toHaveLength(1);
      expect(recording.events).toEqual([eventOf(rows[0]!)]);
      expect(errors).toEqual([
        ['listener rejected', rows[0]!.id],
        ['listener threw', rows[0]!.id],
      ]);
      const file = (await getFile(t.db, DEFAULT_ORG_ID, rows[0]!.file_id))!;
      expect(file).toMatchObject({ status: 'processed', error: null, reportCount: 1, recordCount: 9 });
    });
  });

  describe('organisations', () => {
    it('the same file in two organisations is stored in each; again, it is a duplicate there', async () => {
      const other = await createOrg(t.db, 'other');
      expect(other.id).not.toBe(DEFAULT_ORG_ID);
      const ta: SyntheticTotals = { records: 0, messages: 0, dmarcPass: 0 };
      const tb: SyntheticTotals = { records: 0, messages: 0, dmarcPass: 0 };
      const bytes = zipSync({
        'a.xml': Buffer.from(syntheticReportXml({ seed: 301, records: 25, domain: 'tenant.example' }, ta)),
        'b.xml': Buffer.from(syntheticReportXml({ seed: 302, records: 8, domain: 'tenant.example' }, tb)),
      });
      const file = { reports: 2, records: ta.records + tb.records, messages: ta.messages + tb.messages };
      const dmarcPass = ta.dmarcPass + tb.dmarcPass;
      const d = await writeDir('tenants', { 'tenant.zip': bytes });

      const fileIds = new Map<number, number>();
      for (const orgId of [DEFAULT_ORG_ID, other.id]) {
        const sink = recordingSink();
        const s = await importFiles(t.db, [d], { orgId, limits, sink });
        expect(s, `org ${orgId}`).toMatchObject({ imported: 1, duplicates: 0, reports: 2, records: file.records });
        expect(sink.events.map((e) => e.orgId)).toEqual([orgId, orgId]);
        fileIds.set(orgId, sink.events[0]!.fileId);
      }

      // two files, one per organisation, each with its own two reports
      const files = await t.db.query<{ id: number; org_id: number; status: string }>(
        'SELECT id, org_id, status FROM ingested_files WHERE sha256 = $1 ORDER BY org_id',
        [sha256Hex(bytes)],
      );
      expect(files.rows).toEqual([
        { id: fileIds.get(DEFAULT_ORG_ID), org_id: DEFAULT_ORG_ID, status: 'processed' },
        { id: fileIds.get(other.id), org_id: other.id, status: 'processed' },
      ]);
      const reports = await rowsWhere(`domain = 'tenant.example'`, []);
      expect(reports).toHaveLength(4);
      for (const orgId of [DEFAULT_ORG_ID, other.id]) {
        const mine = reports.filter((r) => r.org_id === orgId);
        expect(mine.map((r) => r.file_id)).toEqual([fileIds.get(orgId), fileIds.get(orgId)]);
      }
      // an organisation does not see the other's file
      expect(await getFile(t.db, other.id, fileIds.get(DEFAULT_ORG_ID)!)).toBeUndefined();
      expect(await getFile(t.db, DEFAULT_ORG_ID, fileIds.get(other.id)!)).toBeUndefined();

      // each organisation's figures are the file's (the other organisation holds nothing else at all)
      const expected = { ...file, dmarcPass };
      expect((await summarise(t.db, { orgId: DEFAULT_ORG_ID, domain: 'tenant.example' })).totals).toMatchObject(
        expected,
      );
      expect((await summarise(t.db, { orgId: other.id, domain: 'tenant.example' })).totals).toMatchObject(expected);
      const otherAll = await summarise(t.db, { orgId: other.id });
      expect(otherAll.totals).toMatchObject(expected);
      expect(otherAll.domains.map((x) => x.domain)).toEqual(['tenant.example']);

      // importing it again into either organisation is a duplicate there, and stores nothing
      for (const orgId of [DEFAULT_ORG_ID, other.id]) {
        const sink = recordingSink();
        const s = await importFiles(t.db, [d], { orgId, limits, sink });
        expect(s, `org ${orgId}`).toMatchObject({ files: 1, imported: 0, duplicates: 1, reports: 0, records: 0 });
        expect(sink.events).toEqual([]);
        const intake = await intakeFile(t.db, { orgId, bytes, name: 'tenant.zip', source: 'upload' });
        expect(intake).toMatchObject({ duplicate: true, fileId: fileIds.get(orgId) });
      }
      const count = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files WHERE sha256 = $1', [
        sha256Hex(bytes),
      ]);
      expect(count.rows[0]!.n).toBe(2);
      expect(await rowsWhere(`domain = 'tenant.example'`, [])).toEqual(reports);
      expect((await summarise(t.db, { orgId: other.id })).totals).toMatchObject(expected);
    });
  });
});
