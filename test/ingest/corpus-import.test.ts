// The whole corpus through intake + pipeline on every available engine: each file's stored reports match its
// ground truth, malformed files are failed with a reason, and a second import changes nothing.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../src/analytics/summary.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { getFile } from '../../src/store/files.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';
import { expectationOf, expectedTime, readManifest, type ExpectedReport } from '../support/manifest.js';

const orgId = DEFAULT_ORG_ID;
const rows = readManifest().sort((a, b) => (a.path < b.path ? -1 : 1));

interface StoredReportRow {
  reporter_org: string;
  report_id: string;
  domain: string;
  begin: number | null;
  end: number | null;
  record_count: number;
  message_count: number;
  records_in_table: number;
  messages_in_table: number;
}

const identity = (reporterOrg: string, id: string, domain: string, begin: number | null): string =>
  JSON.stringify([reporterOrg, id, domain.toLowerCase(), begin]);

describe.each(availableEngines())('corpus import on %s', (engine) => {
  let t: TestDatabase;
  const fileIds = new Map<string, number>();
  /** Ground truth of the reports that must be stored: the first file to carry an identity wins. */
  const expectedStored = new Map<string, ExpectedReport>();

  beforeAll(async () => {
    t = await openEngine(engine);
    for (const row of rows) {
      const bytes = await fs.readFile(row.absPath);
      const intake = await intakeFile(t.db, { orgId, bytes, name: row.path, source: 'cli' });
      if (intake.duplicate) continue;
      fileIds.set(row.path, intake.fileId);
      await processFile(t.db, { orgId, fileId: intake.fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK });
      for (const r of expectationOf(row)?.reports ?? []) {
        const key = identity(r.org_name ?? '', r.report_id, r.domain, expectedTime(r.begin));
        if (!expectedStored.has(key)) expectedStored.set(key, r);
      }
    }
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function storedReports(): Promise<StoredReportRow[]> {
    const r = await t.db.query<StoredReportRow>(
      `SELECT reporter_org, report_id, domain, extract(epoch FROM begin_at)::int8 AS begin,
         extract(epoch FROM end_at)::int8 AS end, record_count, message_count,
         (SELECT count(*) FROM records c WHERE c.report_id = r.id) AS records_in_table,
         (SELECT coalesce(sum(count), 0) FROM records c WHERE c.report_id = r.id) AS messages_in_table
       FROM reports r`,
    );
    return r.rows;
  }

  it.each(rows.filter((r) => expectationOf(r) !== undefined).map((r) => [r.path, r] as const))(
    '%s',
    async (_path, row) => {
      const exp = expectationOf(row)!;
      const fileId = fileIds.get(row.path);
      if (fileId === undefined) return; // byte-identical to an earlier corpus file: covered there
      const file = (await getFile(t.db, orgId, fileId))!;
      if (exp.reports.length === 0) {
        expect(file.status).toBe('failed');
        expect(file.error).toBeTruthy();
        return;
      }
      expect(['processed', 'duplicate']).toContain(file.status);
      if (exp.refusals.length > 0) expect(file.error).toBeTruthy();
      else expect(file.error).toBeNull();
      if (exp.recovered && file.status === 'processed') expect(file.recovered).toBe(true);
      const stored = await storedReports();
      for (const e of exp.reports) {
        const found = stored.find(
          (s) =>
            identity(s.reporter_org, s.report_id, s.domain, s.begin) ===
            identity(e.org_name ?? '', e.report_id, e.domain, expectedTime(e.begin)),
        );
        expect(found, `report ${e.report_id} of ${row.path}`).toBeDefined();
        const truth = expectedStored.get(identity(e.org_name ?? '', e.report_id, e.domain, expectedTime(e.begin)))!;
        expect(found!.end).toBe(expectedTime(truth.end));
        expect(found!.record_count).toBe(truth.records);
        expect(found!.message_count).toBe(truth.count_sum);
        expect(found!.records_in_table).toBe(truth.records);
        expect(found!.messages_in_table).toBe(truth.count_sum);
      }
    },
  );

  it('stores exactly the distinct reports of the corpus, and totals equal the ground truth', async () => {
    const stored = await storedReports();
    expect(stored.length).toBe(expectedStored.size);
    const s = await summarise(t.db, { orgId });
    const truth = [...expectedStored.values()];
    expect(s.totals.reports).toBe(truth.length);
    expect(s.totals.records).toBe(truth.reduce((a, r) => a + r.records, 0));
    expect(s.totals.messages).toBe(truth.reduce((a, r) => a + r.count_sum, 0));
    // per domain too
    for (const d of s.domains) {
      const mine = truth.filter((r) => r.domain.toLowerCase() === d.domain);
      expect(d.messages, d.domain).toBe(mine.reduce((a, r) => a + r.count_sum, 0));
      expect(d.reports, d.domain).toBe(mine.length);
    }
  });

  it('rollups agree with the records table', async () => {
    const fromRecords = await t.db.query<{ messages: number; pass: number; dkim: number; spf: number }>(
      `SELECT coalesce(sum(count), 0) AS messages,
         coalesce(sum(count) FILTER (WHERE dkim = 'pass' OR spf = 'pass'), 0) AS pass,
         coalesce(sum(count) FILTER (WHERE dkim = 'pass'), 0) AS dkim,
         coalesce(sum(count) FILTER (WHERE spf = 'pass'), 0) AS spf FROM records`,
    );
    const fromSources = await t.db.query<{ messages: number; pass: number }>(
      `SELECT coalesce(sum(messages), 0) AS messages,
         coalesce(sum(messages) FILTER (WHERE dkim = 'pass' OR spf = 'pass'), 0) AS pass FROM rollup_source_daily`,
    );
    const s = await summarise(t.db, { orgId });
    const r = fromRecords.rows[0]!;
    expect(s.totals.messages).toBe(r.messages);
    expect(s.totals.dmarcPass).toBe(r.pass);
    expect(s.totals.dkimAlignedPass).toBe(r.dkim);
    expect(s.totals.spfAlignedPass).toBe(r.spf);
    expect(fromSources.rows[0]).toEqual({ messages: r.messages, pass: r.pass });
    const reasons = await t.db.query<{ rollup: number; records: number }>(
      `SELECT (SELECT coalesce(sum(messages), 0) FROM report_reasons WHERE reason = '*') AS rollup,
         (SELECT coalesce(sum(count), 0) FROM records WHERE cardinality(reason_types) > 0) AS records`,
    );
    expect(reasons.rows[0]!.rollup).toBe(reasons.rows[0]!.records);
    expect(reasons.rows[0]!.records).toBeGreaterThan(0);
  });

  it('importing the whole corpus again changes no count', async () => {
    const before = await summarise(t.db, { orgId });
    const filesBefore = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files');
    for (const row of rows) {
      const intake = await intakeFile(t.db, {
        orgId,
        bytes: await fs.readFile(row.absPath),
        name: row.path,
        source: 'cli',
      });
      expect(intake.duplicate).toBe(true);
    }
    expect(await summarise(t.db, { orgId })).toEqual(before);
    const filesAfter = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files');
    expect(filesAfter.rows[0]!.n).toBe(filesBefore.rows[0]!.n);
  });

  it('stores the SMTP TLS reports (those naming a policy domain; the others fail saying so)', async () => {
    for (const row of rows.filter((r) => r.kind === 'smtp_tls')) {
      const id = fileIds.get(row.path);
      if (id === undefined) continue;
      const f = (await getFile(t.db, orgId, id))!;
      const named = (row.expected as { policy_domains: string[] }).policy_domains.length > 0;
      if (named) {
        expect(['processed', 'duplicate'], `${row.path}: ${f.error}`).toContain(f.status);
        expect(f.kind, row.path).toBe('smtp_tls');
      } else {
        expect(f.status, row.path).toBe('failed');
        expect(f.error, row.path).toMatch(/policy-domain is missing/);
      }
    }
  });

  it('stores the failure reports (RFC 6591) as their own kind', async () => {
    for (const row of rows.filter((r) => r.kind === 'forensic')) {
      const id = fileIds.get(row.path);
      if (id === undefined) continue;
      const f = (await getFile(t.db, orgId, id))!;
      // the LinkedIn report comes twice (LF and CRLF copies): the second file is a duplicate
      expect(['processed', 'duplicate'], `${row.path}: ${f.error}`).toContain(f.status);
      expect(f.kind, row.path).toBe('failure');
    }
  });
});
