// Failure reports through the pipeline: the corpus's ARF files become failure_reports rows; the kept file holds
// no body and only the listed headers (or all with DMARC_FAILURE_KEEP_HEADERS); the same file again and the same
// report in another file are duplicates; malformed ARF fails with a precise reason; deleting the file deletes its
// reports; the retention task's pass drops them after DMARC_FAILURE_RETENTION_DAYS; organisations never mix.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_FAILURE_PRIVACY, type FailurePrivacy } from '../../src/parse/failure/index.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { deleteFile } from '../../src/store/delete-reports.js';
import { getFailureReport, listFailureReports } from '../../src/store/failure-reports.js';
import { getFile, getFileBytes } from '../../src/store/files.js';
import { applyRetention } from '../../src/store/maintenance.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { arfMessage } from '../support/failure-report.js';
import { readManifest } from '../support/manifest.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';

const rows = readManifest().filter((r) => r.kind === 'forensic');
const limits = DEFAULT_UNPACK_LIMITS;

/** Text of the original message's body in the LinkedIn report. */
const BODY_MARK = 'HTML Text';
const linkedIn = rows.find((r) => r.path === 'parsedmarc/dmarc_ruf_report_linkedin.eml')!;

async function importBytes(
  t: TestDatabase,
  orgId: number,
  bytes: Uint8Array,
  name: string,
  failures: FailurePrivacy = DEFAULT_FAILURE_PRIVACY,
) {
  const intake = await intakeFile(t.db, { orgId, bytes, name, source: 'cli', failures, limits });
  const r = await processFile(t.db, { orgId, fileId: intake.fileId }, { limits, sink: NO_SINK, failures });
  return { ...r, intake };
}

function arf(feedback: string, headers = 'From: a@example.com\nSubject: hello\n\nsecret body text\n'): Buffer {
  return arfMessage({ feedback, original: headers, eol: '\n' });
}

describe('failure reports in the pipeline', () => {
  let t: TestDatabase;
  let orgB: number;

  beforeAll(async () => {
    t = await openPglite();
    orgB = (await createOrg(t.db, 'org-b')).id;
  });
  afterAll(async () => t?.drop());

  it('stores every corpus failure report, keeps no body and only From/To/Subject/Message-ID', async () => {
    let linkedInSeen = 0;
    for (const row of rows) {
      const bytes = fs.readFileSync(row.absPath);
      const r = await importBytes(t, DEFAULT_ORG_ID, bytes, row.path);
      // the LinkedIn report comes twice (LF and CRLF): the second is the same report in other bytes
      const twin = row.path.includes('dmarc_ruf_report_linkedin') && (linkedInSeen += 1) === 2;
      expect(r.status, `${row.path}: ${r.error}`).toBe(twin ? 'duplicate' : 'processed');
      expect(r.kind, row.path).toBe('failure');
      const kept = Buffer.from((await getFileBytes(t.db, DEFAULT_ORG_ID, r.fileId))!).toString('utf8');
      expect(kept, row.path).not.toMatch(/^(Received|DKIM-Signature|Return-Path|Reply-To):/im);
      // the file's size and hash are those of what was received
      expect((await getFile(t.db, DEFAULT_ORG_ID, r.fileId))!.size).toBe(bytes.length);
    }
    const all = await listFailureReports(t.db, DEFAULT_ORG_ID, {}, { limit: 100 });
    expect(all.total).toBe(rows.length - 1);
    for (const item of all.items) {
      for (const h of item.headers) expect(['from', 'to', 'subject', 'message-id']).toContain(h.name.toLowerCase());
    }
    expect(fs.readFileSync(linkedIn.absPath, 'utf8')).toContain(BODY_MARK);
    for (const r of await t.db.query<{ data: Uint8Array }>('SELECT data FROM file_contents').then((x) => x.rows))
      expect(Buffer.from(r.data).toString('latin1')).not.toContain(BODY_MARK);
    const dump = await t.db.query<{ text: string }>(`SELECT row_to_json(f)::text AS text FROM failure_reports f`);
    for (const d of dump.rows) {
      expect(d.text).not.toContain(BODY_MARK);
      expect(d.text).not.toContain('Organization: AutoTEAM24');
    }
  });

  it('the same file again is a duplicate file; the same report in other bytes is a duplicate report', async () => {
    const bytes = fs.readFileSync(linkedIn.absPath);
    const again = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes, name: 'again.eml', source: 'cli' });
    expect(again.duplicate).toBe(true);
    const text = bytes.toString('latin1');
    const cut = text.indexOf('\n') + 1;
    const other = await importBytes(
      t,
      DEFAULT_ORG_ID,
      Buffer.from(`${text.slice(0, cut)}X-Extra: 1\n${text.slice(cut)}`, 'latin1'),
      'x.eml',
    );
    expect(other.status).toBe('duplicate');
    // another organisation's copy is its own report
    const b = await importBytes(t, orgB, bytes, 'b.eml');
    expect(b.status).toBe('processed');
    expect((await listFailureReports(t.db, orgB, {}, { limit: 10 })).total).toBe(1);
    expect(
      await getFailureReport(
        t.db,
        orgB,
        (await listFailureReports(t.db, DEFAULT_ORG_ID, {}, { limit: 1 })).items[0]!.id,
      ),
    ).toBeUndefined();
  });

  it('reprocessing a stored failure report keeps it as the file’s own', async () => {
    const bytes = fs.readFileSync(rows.find((r) => r.path === 'mail-auth/003.eml')!.absPath);
    const first = await importBytes(t, orgB, bytes, '003.eml');
    expect(first.status).toBe('processed');
    const again = await processFile(t.db, { orgId: orgB, fileId: first.fileId }, { limits, sink: NO_SINK });
    expect(again).toMatchObject({ status: 'processed', reportCount: 1 });
  });

  it('keeps every header with DMARC_FAILURE_KEEP_HEADERS, never the body', async () => {
    const org = (await createOrg(t.db, 'org-all-headers')).id;
    const all: FailurePrivacy = { keepAllHeaders: true, headers: [] };
    const r = await importBytes(t, org, fs.readFileSync(linkedIn.absPath), 'l.eml', all);
    expect(r.status).toBe('processed');
    const [item] = (await listFailureReports(t.db, org, {}, { limit: 1 })).items;
    expect(item!.headers.map((h) => h.name)).toContain('Received');
    const kept = Buffer.from((await getFileBytes(t.db, org, r.fileId))!).toString('utf8');
    expect(kept).toMatch(/^Received: /m);
    expect(kept).not.toContain(BODY_MARK);
    const bytes = fs.readFileSync(rows.find((r) => r.path === 'mail-auth/004.eml')!.absPath);
    // a configured list keeps just those
    const org2 = (await createOrg(t.db, 'org-list')).id;
    await importBytes(t, org2, bytes, '004.eml', { keepAllHeaders: false, headers: ['Reply-To'] });
    const [only] = (await listFailureReports(t.db, org2, {}, { limit: 1 })).items;
    expect(only!.headers).toEqual([{ name: 'Reply-To', value: '"Rolf Bader" <auto24-export@gmx.de>' }]);
  });

  it('fails malformed failure reports with a precise reason, keeping no body', async () => {
    const org = (await createOrg(t.db, 'org-bad')).id;
    const cases: [Buffer, RegExp][] = [
      [arf(''), /message\/feedback-report part is empty/],
      [
        arf('Feedback-Type: auth-failure\nthis is not a field\n'),
        /line 2 is not a "Name: value" field: "this is not a field"/,
      ],
      [arf('User-Agent: x/1\nVersion: 1\nSource-IP: 192.0.2.1\n'), /no Feedback-Type field/],
      [
        Buffer.from(
          'From: r@x.example\nSubject: report\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n--b\nContent-Type: text/plain\n\nnothing here\n--b--\n',
        ),
        /no message\/feedback-report part/,
      ],
    ];
    for (const [bytes, reason] of cases) {
      const r = await importBytes(t, org, bytes, 'bad.eml');
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(reason);
      const kept = Buffer.from((await getFileBytes(t.db, org, r.fileId))!).toString('utf8');
      expect(kept).not.toContain('secret body text');
    }
    expect((await listFailureReports(t.db, org, {}, { limit: 10 })).total).toBe(0);
  });

  it('records warnings for doubtful fields and reads the prose-only (Exim) report', async () => {
    const org = (await createOrg(t.db, 'org-warn')).id;
    const r = await importBytes(
      t,
      org,
      arf('Feedback-Type: auth-failure\nSource-IP: not-an-ip\nArrival-Date: yesterday\n'),
      'w.eml',
    );
    expect(r.status).toBe('processed');
    expect(r.warnings.join('\n')).toMatch(/Source-IP is not an IP address/);
    expect(r.warnings.join('\n')).toMatch(/Arrival-Date is not a date/);
    expect(r.warnings.join('\n')).toMatch(/no User-Agent/);
    const exim = (await listFailureReports(t.db, DEFAULT_ORG_ID, { sourceIp: '203.0.113.68' }, { limit: 5 })).items;
    expect(exim).toHaveLength(1);
    expect(exim[0]).toMatchObject({ format: 'prose', reportedDomain: 'example.com' });
    expect(exim[0]!.headers.map((h) => h.name).sort()).toEqual(['From', 'Message-Id', 'Subject', 'To']);
  });

  it('filters by domain, source IP, auth failure and arrival days, and pages newest first', async () => {
    const f = (filter: object) => listFailureReports(t.db, DEFAULT_ORG_ID, filter, { limit: 100 });
    expect((await f({ domain: 'example.com' })).items.every((i) => i.reportedDomain === 'example.com')).toBe(true);
    expect((await f({ authFailure: 'dmarc' })).items.every((i) => i.authFailure === 'dmarc')).toBe(true);
    expect((await f({ sourceIp: '10.10.10.10' })).total).toBe(2);
    expect((await f({ from: '2019-04-30', to: '2019-04-30' })).total).toBe(1);
    const seen: number[] = [];
    let after;
    for (;;) {
      const page = await listFailureReports(t.db, DEFAULT_ORG_ID, {}, { limit: 3, after });
      seen.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(new Set(seen).size).toBe(rows.length - 1);
  });

  it('deleting the file deletes its failure reports', async () => {
    const org = (await createOrg(t.db, 'org-del')).id;
    const r = await importBytes(t, org, fs.readFileSync(linkedIn.absPath), 'l.eml');
    expect((await listFailureReports(t.db, org, {}, { limit: 1 })).total).toBe(1);
    expect(await deleteFile(t.db, org, r.fileId)).toMatchObject({ deleted: true });
    expect((await listFailureReports(t.db, org, {}, { limit: 1 })).total).toBe(0);
  });

  it('the retention pass deletes failure reports that arrived before DMARC_FAILURE_RETENTION_DAYS', async () => {
    const org = (await createOrg(t.db, 'org-ret')).id;
    const old = await importBytes(t, org, fs.readFileSync(linkedIn.absPath), 'old.eml'); // arrived 2019
    const now = new Date();
    const fresh = arf(`Feedback-Type: auth-failure\nArrival-Date: ${now.toUTCString()}\nSource-IP: 192.0.2.9\n`);
    await importBytes(t, org, fresh, 'new.eml');
    const r = await applyRetention(t.db, { retentionDays: null, historyDays: 14, failureRetentionDays: 30, now });
    expect(r.failureReports).toBeGreaterThanOrEqual(1);
    const left = await listFailureReports(t.db, org, {}, { limit: 10 });
    expect(left.items.map((i) => i.sourceIp)).toEqual(['192.0.2.9']);
    expect(await getFile(t.db, org, old.fileId)).toBeUndefined();
    expect(r.orgIds).toContain(org);
  });
});
