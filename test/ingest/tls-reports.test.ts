// SMTP TLS reports through the pipeline on every engine: stored with policies and failure details, duplicates
// counted like aggregate reports' (same identity; the same file again keeps its report), gzip and e-mail carriers,
// deleting the file deletes its reports, retention applies, and organisations are kept apart.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { deleteFile } from '../../src/store/delete-reports.js';
import { applyRetention } from '../../src/store/maintenance.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg, recordingSink } from '../support/org.js';
import { tlsReportJson } from '../support/tls-report.js';

const limits = DEFAULT_UNPACK_LIMITS;

describe.each(availableEngines())('SMTP TLS reports on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openEngine(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function ingest(bytes: Uint8Array, name: string, orgId = DEFAULT_ORG_ID) {
    const { fileId } = await intakeFile(t.db, { orgId, bytes, name, source: 'cli' });
    const sink = recordingSink();
    return { fileId, sink, r: await processFile(t.db, { orgId, fileId }, { limits, sink }) };
  }
  const count = async (sql: string, params: unknown[]): Promise<number> =>
    Number((await t.db.query<{ n: string }>(sql, params)).rows[0]!.n);

  it('stores a report with its policy and failure details; the file is processed as smtp_tls', async () => {
    const json = tlsReportJson({
      domain: 'one.example',
      failures: { 'certificate-expired': 3, 'starttls-not-supported': 2 },
    });
    const { fileId, r, sink } = await ingest(Buffer.from(json), 'one.json');
    expect(r).toMatchObject({ status: 'processed', kind: 'smtp_tls', reportsStored: 1, error: null });
    expect(sink.events).toMatchObject([{ kind: 'smtp_tls', domain: 'one.example', fileId, records: 1, messages: 15 }]);
    const row = await t.db.query<{ reporter_org: string; successful_sessions: string; failed_sessions: string }>(
      'SELECT reporter_org, successful_sessions, failed_sessions FROM tls_reports WHERE file_id = $1',
      [fileId],
    );
    expect(row.rows.map((x) => [x.reporter_org, Number(x.successful_sessions), Number(x.failed_sessions)])).toEqual([
      ['Google Inc.', 10, 5],
    ]);
    const details = await t.db.query<{ result_type: string; failed_session_count: string; sending_mta_ip: string }>(
      `SELECT d.result_type, d.failed_session_count, d.sending_mta_ip FROM tls_failure_details d
       JOIN tls_report_policies p ON p.id = d.policy JOIN tls_reports r ON r.id = p.report
       WHERE r.file_id = $1 ORDER BY d.idx`,
      [fileId],
    );
    expect(details.rows.map((d) => [d.result_type, Number(d.failed_session_count), d.sending_mta_ip])).toEqual([
      ['certificate-expired', 3, '192.0.2.1'],
      ['starttls-not-supported', 2, '192.0.2.2'],
    ]);
    const policy = await t.db.query<{ policy_type: string; mx_host: string[]; policy_string: string[] }>(
      'SELECT p.policy_type, p.mx_host, p.policy_string FROM tls_report_policies p JOIN tls_reports r ON r.id = p.report WHERE r.file_id = $1',
      [fileId],
    );
    expect(policy.rows[0]).toMatchObject({ policy_type: 'sts', mx_host: ['mx.tls.example'] });
    expect(policy.rows[0]!.policy_string).toHaveLength(4);
  });

  it('the same report in another file (gzip) is a duplicate; the same file again keeps its report', async () => {
    const json = tlsReportJson({ domain: 'dup.example' });
    const first = await ingest(Buffer.from(json), 'dup.json');
    expect(first.r.status).toBe('processed');
    const again = await ingest(gzipSync(Buffer.from(json)), 'dup.json.gz');
    expect(again.r).toMatchObject({ status: 'duplicate', kind: 'smtp_tls', reportsDuplicate: 1 });
    expect(again.sink.events).toEqual([]);
    const rerun = await processFile(
      t.db,
      { orgId: DEFAULT_ORG_ID, fileId: first.fileId },
      { limits, sink: recordingSink() },
    );
    expect(rerun).toMatchObject({ status: 'processed', reportsStored: 0, reportCount: 1 });
    expect(await count('SELECT count(*) AS n FROM tls_reports WHERE domain = $1', ['dup.example'])).toBe(1);
  });

  it('reads a report attached to a TLS-RPT e-mail (application/tlsrpt+gzip)', async () => {
    const gz = gzipSync(Buffer.from(tlsReportJson({ domain: 'mail.example' }))).toString('base64');
    const eml = [
      'From: noreply-smtp-tls-reporting@google.com',
      'To: tlsrpt@mail.example',
      'Subject: Report Domain: mail.example Submitter: google.com Report-ID: <x@google.com>',
      'TLS-Report-Domain: mail.example',
      'TLS-Report-Submitter: google.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'This is an aggregate TLS report from google.com',
      '--b',
      'Content-Type: application/tlsrpt+gzip; name="google.com!mail.example!1!2.json.gz"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="google.com!mail.example!1!2.json.gz"',
      '',
      gz,
      '--b--',
      '',
    ].join('\r\n');
    const { r } = await ingest(Buffer.from(eml), 'tls.eml');
    expect(r).toMatchObject({ status: 'processed', kind: 'smtp_tls', reportsStored: 1 });
  });

  it('a malformed report fails the file with the precise reason', async () => {
    const bad = JSON.parse(tlsReportJson({ domain: 'bad.example' })) as Record<string, unknown>;
    delete bad['report-id'];
    const { r } = await ingest(Buffer.from(JSON.stringify(bad)), 'bad.json');
    expect(r).toMatchObject({ status: 'failed', error: 'SMTP TLS report: report-id is missing' });
  });

  it('deleting the file deletes its TLS reports, policies and failure details', async () => {
    const { fileId } = await ingest(
      Buffer.from(tlsReportJson({ domain: 'gone.example', failures: { 'validation-failure': 1 } })),
      'gone.json',
    );
    expect(await count('SELECT count(*) AS n FROM tls_reports WHERE file_id = $1', [fileId])).toBe(1);
    expect(await deleteFile(t.db, DEFAULT_ORG_ID, fileId)).toMatchObject({ deleted: true });
    expect(await count('SELECT count(*) AS n FROM tls_reports WHERE file_id = $1', [fileId])).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM tls_failure_details d WHERE NOT EXISTS
           (SELECT 1 FROM tls_report_policies p WHERE p.id = d.policy)`,
        [],
      ),
    ).toBe(0);
  });

  it('retention deletes the reports that began before the cutoff, and their files', async () => {
    const now = new Date('2024-06-30T12:00:00Z');
    const old = await ingest(
      Buffer.from(tlsReportJson({ domain: 'old.example', start: Math.floor(now.getTime() / 1000) - 100 * 86_400 })),
      'old.json',
    );
    const recent = await ingest(
      Buffer.from(tlsReportJson({ domain: 'recent.example', start: Math.floor(now.getTime() / 1000) - 5 * 86_400 })),
      'recent.json',
    );
    // the files were received "now" (the real clock): backdate them so the file sweep may take the old one
    await t.db.query(`UPDATE ingested_files SET received_at = '2024-01-01T00:00:00Z' WHERE id = ANY($1::int8[])`, [
      [old.fileId, recent.fileId],
    ]);
    const before = await count('SELECT count(*) AS n FROM tls_reports', []);
    const out = await applyRetention(t.db, { retentionDays: 30, historyDays: 30, now });
    expect(out.orgIds).toContain(DEFAULT_ORG_ID);
    const left = await t.db.query<{ domain: string }>('SELECT domain FROM tls_reports ORDER BY domain');
    expect(left.rows.map((x) => x.domain)).toContain('recent.example');
    expect(left.rows.map((x) => x.domain)).not.toContain('old.example');
    expect(left.rows.length).toBeLessThan(before);
    expect(await count('SELECT count(*) AS n FROM ingested_files WHERE id = $1', [old.fileId])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM ingested_files WHERE id = $1', [recent.fileId])).toBe(1);
  });

  it('the same report in two organisations is stored once in each', async () => {
    const other = await createOrg(t.db, `tls-other-${engine}`);
    const json = Buffer.from(tlsReportJson({ domain: 'both.example' }));
    expect((await ingest(json, 'both.json')).r.status).toBe('processed');
    expect((await ingest(json, 'both.json', other.id)).r.status).toBe('processed');
    const rows = await t.db.query<{ org_id: string }>(
      'SELECT org_id FROM tls_reports WHERE domain = $1 ORDER BY org_id',
      ['both.example'],
    );
    expect(rows.rows.map((x) => Number(x.org_id))).toEqual([DEFAULT_ORG_ID, other.id]);
  });
});
