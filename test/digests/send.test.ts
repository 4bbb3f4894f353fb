// Digests sent through a real SMTP server on loopback (smtp-server): the content (headline figures equal to
// /api/rollup/trends for the period, the failing and new senders, the open alerts, the files that failed to
// import), the HTML escaped and the plain text saying the same, the PDF attached (a valid PDF that pdftotext
// reads) when the digest asks for it and absent otherwise; a period is never sent twice to a recipient (nor by
// two overlapping runs); a period missed while the scheduler was down is sent late, once; a failed send is
// tried again a bounded number of times, and a claim whose sender died is taken over after an hour; "send now"
// sends whatever was sent before; the task sends through the queue with an injected clock.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { runDigest, MAX_ATTEMPTS, type DigestSettings } from '../../src/exports/digests/send.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { insertAlert } from '../../src/store/alerts.js';
import { getDigest, listRuns, type Digest } from '../../src/store/digests.js';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { startSmtp, type MailSink } from '../alerts/servers.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';
import { storeReport } from '../support/report-xml.js';
import { senderReportXml } from '../support/sender-report.js';

const run = promisify(execFile);
const DAY0 = 1_767_225_600; // 2026-01-01 00:00 UTC
const day = (n: number) => DAY0 + n * 86_400;

const enrichment = (ip: string, asn: number, asOrg: string): NewIpEnrichment => ({
  ip,
  country: 'US',
  asn,
  asOrg,
  region: null,
  city: null,
  latitude: null,
  longitude: null,
  ptr: null,
  fcrdns: null,
  baseDomain: null,
  reserved: null,
  dnsStatus: 'ok',
});

/** The cells of the text part's table line that starts with `label`. */
function row(text: string, label: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`${label}  `) || l === label);
  expect(line, `a line for ${label}`).toBeDefined();
  return line!.split(/ {2,}/);
}

describe('digests over SMTP', () => {
  let x: TestApp;
  let smtp: MailSink;
  let settings: DigestSettings;

  const call = async (method: string, url: string, body?: unknown) =>
    x.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...bearer(await x.token('admin')),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  async function create(body: Record<string, unknown>): Promise<Digest> {
    const r = await call('POST', '/api/digests', body);
    expect(r.statusCode, r.body).toBe(201);
    return (await getDigest(x.t.db, DEFAULT_ORG_ID, r.json<{ id: number }>().id))!;
  }

  const mailsTo = (to: string) => smtp.mails.filter((m) => m.to.includes(to));

  beforeAll(async () => {
    smtp = await startSmtp();
    x = await createTestApp('pglite', {
      DMARC_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      DMARC_SMTP_FROM: 'dmarc@example.com',
    });
    settings = { smtp: x.config.alerts.smtp, timeoutMs: 2000 };
    const db = x.t.db;
    // 8 January: Alpha sends 8 passing messages; 9 January: Alpha 10 passing, Beta (new) 5 failing;
    // other.example gets 3 failing messages from Gamma on the 9th
    const alpha = { ip: '192.0.2.1', dkim: [{ d: 'example.com' }] };
    await storeReport(
      db,
      DEFAULT_ORG_ID,
      senderReportXml({ reportId: 'd8', begin: day(7), records: [{ ...alpha, count: 8 }] }),
      NO_SINK,
    );
    await storeReport(
      db,
      DEFAULT_ORG_ID,
      senderReportXml({
        reportId: 'd9',
        begin: day(8),
        records: [
          { ...alpha, count: 10 },
          { ip: '198.51.100.7', count: 5, evaluated: { dkim: 'fail', spf: 'fail' } },
        ],
      }),
      NO_SINK,
    );
    await storeReport(
      db,
      DEFAULT_ORG_ID,
      senderReportXml({
        reportId: 'o9',
        domain: 'other.example',
        begin: day(8),
        records: [{ ip: '203.0.113.9', count: 3, evaluated: { dkim: 'fail', spf: 'fail' } }],
      }),
      NO_SINK,
    );
    await upsertEnrichments(db, [
      enrichment('192.0.2.1', 64500, 'ALPHA'),
      enrichment('198.51.100.7', 64501, 'BETA <b>&'),
      enrichment('203.0.113.9', 64502, 'GAMMA'),
    ]);
    // a file that failed to import on 9 January, and an open alert
    const broken = await intakeFile(db, {
      orgId: DEFAULT_ORG_ID,
      bytes: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      name: 'broken-<report>.xml.gz',
      source: 'upload',
    });
    await processFile(
      db,
      { orgId: DEFAULT_ORG_ID, fileId: broken.fileId },
      { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK },
    );
    const st = await db.query<{ status: string }>('SELECT status FROM ingested_files WHERE id = $1', [broken.fileId]);
    expect(st.rows[0]!.status).toBe('failed');
    await db.query(`UPDATE ingested_files SET received_at = '2026-01-09T10:00:00Z' WHERE id = $1`, [broken.fileId]);
    await insertAlert(
      db,
      DEFAULT_ORG_ID,
      {
        ruleId: null,
        ruleName: 'Failures',
        ruleType: 'failure_rate',
        fingerprint: 'a'.repeat(64),
        domain: 'example.com',
        subject: null,
        severity: 'critical',
        summary: 'example.com: 33% of messages failed DMARC',
        figures: {},
        suppressed: false,
        suppressedBy: null,
      },
      new Date('2026-01-09T12:00:00Z'),
    );
  });
  afterAll(async () => {
    await x?.close();
    await smtp?.close();
  });

  it('sends the period: figures equal to the API for it, senders, alerts, failed files; text and HTML agree', async () => {
    const d = await create({
      name: 'Daily <ops> & co',
      recipients: ['ops@example.com'],
      domains: ['example.com'],
      cadence: 'daily',
      timeZone: 'UTC',
      sendHour: 8,
    });
    const r = await runDigest(x.t.db, settings, d, new Date('2026-01-10T09:00:00Z'));
    expect(r.period).toEqual({ start: '2026-01-09', end: '2026-01-09' });
    expect(r.outcomes).toEqual([{ recipient: 'ops@example.com', status: 'sent', error: null }]);
    const [mail] = mailsTo('ops@example.com');
    expect(mail).toBeDefined();
    const { subject, text, html, attachments } = mail!.email;
    expect(subject).toBe('DMARC digest · Default organisation · 2026-01-09');
    expect(attachments).toEqual([]);

    // the headline figures are the API's for the same period
    const api = await call('GET', '/api/rollup/trends?domain=example.com&from=2026-01-09&to=2026-01-09');
    const t = api.json<{
      current: { messages: number; dmarcPass: number; dmarcFail: number; reports: number; sources: number };
    }>().current;
    expect(t).toMatchObject({ messages: 15, dmarcPass: 10, dmarcFail: 5, reports: 1, sources: 2 });
    const txt = text!;
    expect(row(txt, 'Messages').slice(0, 3)).toEqual(['Messages', String(t.messages), '+87.5%']);
    expect(row(txt, 'DMARC pass').slice(0, 3)).toEqual(['DMARC pass', String(t.dmarcPass), '+25.0%']);
    expect(row(txt, 'DMARC fail').slice(0, 3)).toEqual(['DMARC fail', String(t.dmarcFail), 'new this period']);
    expect(row(txt, 'Compliance rate').slice(0, 3)).toEqual(['Compliance rate', '66.7%', '−33.3 pp']);
    expect(row(txt, 'Reports').slice(0, 2)).toEqual(['Reports', String(t.reports)]);
    expect(row(txt, 'Sources').slice(0, 2)).toEqual(['Sources', String(t.sources)]);
    // failing senders and new senders (Beta was not seen before the 9th; Alpha was), of example.com only
    expect(row(txt, 'BETA <b>& (AS64501)')).toEqual(['BETA <b>& (AS64501)', '5', '5', '0.0%']);
    expect(txt).not.toContain('GAMMA');
    const newSection = txt.slice(txt.indexOf('New senders'), txt.indexOf('Files that failed'));
    expect(newSection).toContain('BETA <b>& (AS64501)');
    expect(newSection).not.toContain('ALPHA');
    // the open alert and the failed file
    expect(txt).toContain('critical  Failures: example.com: 33% of messages failed DMARC');
    expect(txt).toContain('broken-<report>.xml.gz');
    expect(txt).toContain('Daily digest "Daily <ops> & co" for example.com: 9 Jan 2026 (UTC).');

    // HTML: the same values, escaped
    const h = html!;
    expect(h).toContain('BETA &lt;b&gt;&amp; (AS64501)');
    expect(h).toContain('Daily &lt;ops&gt; &amp; co');
    expect(h).toContain('broken-&lt;report&gt;.xml.gz');
    expect(h).not.toMatch(/<b>&|<ops>|<report>/);
    // every table cell of the HTML part is in the text part
    const cells = [...h.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) =>
      m[1]!
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    );
    expect(cells.length).toBeGreaterThan(15);
    for (const c of cells) expect(txt).toContain(c);
  });

  it('all domains: the totals of the organisation and a line per domain', async () => {
    const d = await create({ name: 'all', recipients: ['all@example.com'], cadence: 'daily', timeZone: 'UTC' });
    await runDigest(x.t.db, settings, d, new Date('2026-01-10T09:00:00Z'));
    const txt = mailsTo('all@example.com')[0]!.email.text!;
    const api = (await call('GET', '/api/rollup/trends?from=2026-01-09&to=2026-01-09')).json<{
      current: { messages: number; dmarcFail: number };
    }>().current;
    expect(api).toMatchObject({ messages: 18, dmarcFail: 8 });
    expect(row(txt, 'Messages')[1]).toBe('18');
    expect(row(txt, 'DMARC fail')[1]).toBe('8');
    expect(row(txt, 'example.com').slice(0, 3)).toEqual(['example.com', '15', '66.7%']);
    expect(row(txt, 'other.example').slice(0, 3)).toEqual(['other.example', '3', '0.0%']);
    // other.example had no message before the 9th: its senders are not news one by one
    const newSection = txt.slice(txt.indexOf('New senders'), txt.indexOf('Files that failed'));
    expect(newSection).not.toContain('GAMMA');
    expect(txt).toContain('GAMMA (AS64502)');
  });

  it('attaches the PDF report of the period when asked: a valid PDF that pdftotext reads', async () => {
    const d = await create({
      name: 'with pdf',
      recipients: ['pdf@example.com'],
      domains: ['example.com'],
      cadence: 'daily',
      timeZone: 'UTC',
      attachPdf: true,
    });
    await runDigest(x.t.db, settings, d, new Date('2026-01-10T09:00:00Z'));
    const mail = mailsTo('pdf@example.com')[0]!;
    expect(mail.email.attachments).toHaveLength(1);
    const a = mail.email.attachments[0]!;
    expect(a.mimeType).toBe('application/pdf');
    expect(a.filename).toBe('dmarc-report_example.com_2026-01-09_2026-01-09.pdf');
    const bytes = Buffer.from(a.content as ArrayBuffer);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digest-pdf-'));
    try {
      const file = path.join(dir, 'r.pdf');
      await fs.writeFile(file, bytes);
      const { stdout } = await run('pdftotext', ['-layout', file, '-']);
      expect(stdout).toContain('example.com');
      expect(stdout).toContain('9 Jan 2026');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect(mail.email.text).toContain(
      'The full report is attached: dmarc-report_example.com_2026-01-09_2026-01-09.pdf.',
    );
  });

  it('never sends a period twice to a recipient, even from two runs at once', async () => {
    const d = await create({
      name: 'once',
      recipients: ['once-a@example.com', 'once-b@example.com'],
      cadence: 'daily',
      timeZone: 'UTC',
    });
    const at = new Date('2026-01-10T09:00:00Z');
    const [r1, r2] = await Promise.all([runDigest(x.t.db, settings, d, at), runDigest(x.t.db, settings, d, at)]);
    expect(r1.outcomes.length + r2.outcomes.length).toBe(2);
    const later = await runDigest(x.t.db, settings, d, new Date('2026-01-10T23:45:00Z'));
    expect(later.outcomes).toEqual([]);
    expect(mailsTo('once-a@example.com')).toHaveLength(1);
    expect(mailsTo('once-b@example.com')).toHaveLength(1);
    const runs = await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 10);
    expect(runs.map((r) => [r.periodStart, r.recipient, r.status, r.attempts]).sort()).toEqual([
      ['2026-01-09', 'once-a@example.com', 'sent', 1],
      ['2026-01-09', 'once-b@example.com', 'sent', 1],
    ]);
  });

  it('a period missed while the scheduler was down is sent late, once; only the latest missed one', async () => {
    const d = await create({ name: 'late', recipients: ['late@example.com'], cadence: 'daily', timeZone: 'UTC' });
    const sentPeriods = async () =>
      (await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 20)).map((r) => [r.periodStart, r.status]).sort();
    await runDigest(x.t.db, settings, d, new Date('2026-01-10T09:00:00Z'));
    // down from the evening of the 10th until 07:00 on the 12th (before the send hour): the 10th was missed
    const late = await runDigest(x.t.db, settings, d, new Date('2026-01-12T07:00:00Z'));
    expect(late.period).toEqual({ start: '2026-01-10', end: '2026-01-10' });
    expect(late.outcomes.map((o) => o.status)).toEqual(['sent']);
    expect((await runDigest(x.t.db, settings, d, new Date('2026-01-12T07:15:00Z'))).outcomes).toEqual([]);
    // from 08:00 the 11th is due
    await runDigest(x.t.db, settings, d, new Date('2026-01-12T08:00:00Z'));
    expect(await sentPeriods()).toEqual([
      ['2026-01-09', 'sent'],
      ['2026-01-10', 'sent'],
      ['2026-01-11', 'sent'],
    ]);
    // down for a week: only the latest missed day is sent, no backlog
    await runDigest(x.t.db, settings, d, new Date('2026-01-19T10:00:00Z'));
    expect((await sentPeriods()).map((p) => p[0])).toEqual(['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-18']);
    const subjects = mailsTo('late@example.com').map((m) => m.email.subject);
    expect(subjects).toEqual([
      'DMARC digest · Default organisation · 2026-01-09',
      'DMARC digest · Default organisation · 2026-01-10',
      'DMARC digest · Default organisation · 2026-01-11',
      'DMARC digest · Default organisation · 2026-01-18',
    ]);
  });

  it('a failed send is recorded with a safe message and tried again, at most MAX_ATTEMPTS times', async () => {
    const d = await create({ name: 'retry', recipients: ['retry@example.com'], cadence: 'daily', timeZone: 'UTC' });
    const down: DigestSettings = {
      smtp: { ...settings.smtp!, url: 'smtp://dmarc:s3cret-passw0rd@127.0.0.1:1' },
      timeoutMs: 1000,
    };
    const at = (m: number) => new Date(Date.parse('2026-01-10T09:00:00Z') + m * 15 * 60_000);
    const first = await runDigest(x.t.db, down, d, at(0));
    expect(first.outcomes[0]!.status).toBe('failed');
    expect(first.outcomes[0]!.error).not.toContain('s3cret-passw0rd');
    let runs = await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 5);
    expect(runs[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(runs[0]!.error).toBeTruthy();
    expect(runs[0]!.error).not.toContain('s3cret-passw0rd');
    // the next run tries again, and succeeds once the server answers
    await runDigest(x.t.db, down, d, at(1));
    runs = await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 5);
    expect(runs[0]).toMatchObject({ status: 'failed', attempts: 2 });
    const ok = await runDigest(x.t.db, settings, d, at(2));
    expect(ok.outcomes.map((o) => o.status)).toEqual(['sent']);
    runs = await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 5);
    expect(runs[0]).toMatchObject({ status: 'sent', attempts: 3, error: null });
    expect(mailsTo('retry@example.com')).toHaveLength(1);

    // a recipient that keeps failing is given up after MAX_ATTEMPTS
    const g = await create({ name: 'give up', recipients: ['gone@example.com'], cadence: 'daily', timeZone: 'UTC' });
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) await runDigest(x.t.db, down, g, at(i));
    const gone = await listRuns(x.t.db, DEFAULT_ORG_ID, g.id, 5);
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect((await runDigest(x.t.db, settings, g, at(9))).outcomes).toEqual([]);
  });

  it('a claim left "sending" by a sender that died is taken over after an hour, not before', async () => {
    const d = await create({ name: 'stale', recipients: ['stale@example.com'], cadence: 'daily', timeZone: 'UTC' });
    const at = new Date('2026-01-10T09:00:00Z');
    await x.t.db.query(
      `INSERT INTO digest_runs (digest_id, org_id, period_start, period_end, recipient, status, claimed_at)
       VALUES ($1, $2, '2026-01-09', '2026-01-09', 'stale@example.com', 'sending', $3)`,
      [d.id, DEFAULT_ORG_ID, new Date(at.getTime() - 30 * 60_000)],
    );
    expect((await runDigest(x.t.db, settings, d, at)).outcomes).toEqual([]);
    const later = await runDigest(x.t.db, settings, d, new Date(at.getTime() + 31 * 60_000));
    expect(later.outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 5)).toMatchObject([{ status: 'sent', attempts: 2 }]);
    expect(mailsTo('stale@example.com')).toHaveLength(1);
  });

  it('"send now" sends the last complete period to every recipient whatever was sent; the schedule still sends', async () => {
    x.clock.advance(0);
    const d = await create({ name: 'now', recipients: ['now@example.com'], cadence: 'daily', timeZone: 'UTC' });
    const r1 = await call('POST', `/api/digests/${d.id}/send`);
    expect(r1.statusCode, r1.body).toBe(200);
    // the test clock is at 2026-01-15 12:00 UTC
    expect(r1.json()).toEqual({
      period: { start: '2026-01-14', end: '2026-01-14' },
      outcomes: [{ recipient: 'now@example.com', status: 'sent', error: null }],
    });
    expect((await call('POST', `/api/digests/${d.id}/send`)).statusCode).toBe(200);
    expect(mailsTo('now@example.com')).toHaveLength(2);
    expect(await listRuns(x.t.db, DEFAULT_ORG_ID, d.id, 5)).toEqual([]);
    const scheduled = await runDigest(x.t.db, settings, d, x.clock.now());
    expect(scheduled.outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(mailsTo('now@example.com')).toHaveLength(3);
    // in the audit log
    const audit = await x.t.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE target = $1 AND action = 'digest.sent_now'",
      [`digest:${d.id}`],
    );
    expect(audit.rows).toHaveLength(2);
  });

  it('the send-digests task sends every enabled digest of the organisation, with the clock it is given', async () => {
    await x.t.db.query('UPDATE digests SET enabled = false WHERE org_id = $1', [DEFAULT_ORG_ID]);
    const d = await create({ name: 'task', recipients: ['task@example.com'], cadence: 'weekly', timeZone: 'UTC' });
    await create({ name: 'off', recipients: ['off@example.com'], cadence: 'daily', timeZone: 'UTC', enabled: false });
    let now = new Date('2026-01-12T09:00:00Z');
    const handlers = taskHandlers({
      db: x.t.db,
      queue: x.queue,
      cache: new MemoryCache(60),
      limits: DEFAULT_UNPACK_LIMITS,
      sink: NO_SINK,
      alerts: x.config.alerts,
      now: () => now,
    });
    expect(await handlers['send-digests']({ orgId: DEFAULT_ORG_ID })).toEqual({
      orgId: DEFAULT_ORG_ID,
      digests: 1,
      sent: 1,
      failed: 0,
      errors: 0,
    });
    now = new Date('2026-01-12T09:15:00Z');
    expect(await handlers['send-digests']({ orgId: DEFAULT_ORG_ID })).toMatchObject({ sent: 0, failed: 0 });
    const mails = mailsTo('task@example.com');
    expect(mails.map((m) => m.email.subject)).toEqual([
      'DMARC digest · Default organisation · week 2026-01-05 – 2026-01-11',
    ]);
    expect(mailsTo('off@example.com')).toEqual([]);
    expect(row(mails[0]!.email.text!, 'Messages')[1]).toBe('26');
    void d;
  });
});
