// Pipeline behaviour on every engine: atomic reports, duplicates across containers, partial files, bad input.
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml, type SyntheticTotals } from '../../bench/generator.js';
import { summarise } from '../../src/analytics/summary.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile, type ProcessResult } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { getFile } from '../../src/store/files.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';

const limits = DEFAULT_UNPACK_LIMITS;
const org = DEFAULT_ORG_ID;

/** A database whose Nth records insert fails inside the transaction, as a crash or a lost connection would. */
function failingAfter(db: Database, failOnRecordBatch: number): Database {
  let batches = 0;
  const guard = (q: Queryable): Queryable => ({
    query: (sql, params) => q.query(sql, params),
    copyFrom(table, columns, payload) {
      if (table === 'records' && ++batches === failOnRecordBatch) {
        return Promise.reject(new Error('injected failure after some record batches'));
      }
      return q.copyFrom(table, columns, payload);
    },
  });
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    copyFrom: (table, columns, payload) => db.copyFrom(table, columns, payload),
    transaction: (fn) => db.transaction((tx) => fn(guard(tx))),
    readOnly: (ms, fn) => db.readOnly(ms, fn),
    exec: (s) => db.exec(s),
    close: () => db.close(),
  };
}

function email(attachmentName: string, contentType: string, content: Uint8Array): Buffer {
  const b64 = Buffer.from(content)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(
    [
      'From: noreply-dmarc-support@google.com',
      'To: dmarc@example.com',
      'Subject: Report domain: example.com Submitter: google.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This is an aggregate report from google.com.',
      '--b1',
      `Content-Type: ${contentType}; name="${attachmentName}"`,
      `Content-Disposition: attachment; filename="${attachmentName}"`,
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

describe.each(availableEngines())('pipeline on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openEngine(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function ingest(bytes: Uint8Array, name: string, db: Database = t.db): Promise<ProcessResult> {
    const intake = await intakeFile(t.db, { orgId: org, bytes, name, source: 'cli' });
    return processFile(db, { orgId: org, fileId: intake.fileId }, { limits, sink: NO_SINK, batchSize: 500 });
  }

  async function count(table: string): Promise<number> {
    return (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n;
  }

  it('stores a report, its records and rollups; totals match the generator', async () => {
    const totals: SyntheticTotals = { records: 0, messages: 0, dmarcPass: 0 };
    const xml = syntheticReportXml({ seed: 1, records: 1234, domain: 'stored.example' }, totals);
    const r = await ingest(Buffer.from(xml), 'stored.xml');
    expect(r.status).toBe('processed');
    expect(r.reportsStored).toBe(1);
    expect(r.recordCount).toBe(1234);
    const s = await summarise(t.db, { orgId: org, domain: 'stored.example' });
    expect(s.totals).toMatchObject({
      reports: 1,
      records: 1234,
      messages: totals.messages,
      dmarcPass: totals.dmarcPass,
    });
  });

  it('the same report in another container (gz, zip, eml) is a duplicate, not a second report', async () => {
    const xml = Buffer.from(syntheticReportXml({ seed: 2, records: 20, domain: 'dup.example' }));
    const first = await ingest(xml, 'r.xml');
    expect(first.status).toBe('processed');
    const gz = gzipSync(xml);
    const zip = zipSync({ 'r.xml': xml });
    for (const [bytes, name] of [
      [gz, 'r.xml.gz'],
      [zip, 'r.zip'],
      [email('r.xml.gz', 'application/gzip', gz), 'r.eml'],
    ] as const) {
      const r = await ingest(bytes, name);
      expect(r.status, name).toBe('duplicate');
      expect(r.reportsStored).toBe(0);
      expect(r.reportsDuplicate).toBe(1);
    }
    expect((await summarise(t.db, { orgId: org, domain: 'dup.example' })).totals.reports).toBe(1);
  });

  it('the same bytes twice are one file', async () => {
    const xml = Buffer.from(syntheticReportXml({ seed: 3, records: 3, domain: 'same.example' }));
    const a = await intakeFile(t.db, { orgId: org, bytes: xml, name: 'a.xml', source: 'cli' });
    const b = await intakeFile(t.db, { orgId: org, bytes: xml, name: 'b.xml', source: 'upload' });
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.fileId).toBe(a.fileId);
  });

  it('a failure in the middle of storing a report leaves no trace of it and fails the file; a re-run succeeds', async () => {
    const xml = Buffer.from(syntheticReportXml({ seed: 4, records: 2000, domain: 'crash.example' }));
    const before = {
      reports: await count('reports'),
      records: await count('records'),
      rollups: await count('rollup_daily'),
      sources: await count('rollup_source_daily'),
    };
    const intake = await intakeFile(t.db, { orgId: org, bytes: xml, name: 'crash.xml', source: 'cli' });
    const ref = { orgId: org, fileId: intake.fileId };
    const failed = await processFile(failingAfter(t.db, 3), ref, { limits, sink: NO_SINK, batchSize: 500 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/injected failure/);
    expect((await getFile(t.db, org, intake.fileId))!.status).toBe('failed');
    expect({
      reports: await count('reports'),
      records: await count('records'),
      rollups: await count('rollup_daily'),
      sources: await count('rollup_source_daily'),
    }).toEqual(before);

    const again = await processFile(t.db, ref, { limits, sink: NO_SINK, batchSize: 500 });
    expect(again.status).toBe('processed');
    expect(again.recordCount).toBe(2000);
    expect((await summarise(t.db, { orgId: org, domain: 'crash.example' })).totals.records).toBe(2000);
  });

  it('stores a report with zero records', async () => {
    const xml = syntheticReportXml({ seed: 5, records: 0, domain: 'zero.example' });
    const r = await ingest(Buffer.from(xml), 'zero.xml');
    expect(r.status).toBe('processed');
    expect(r.reportsStored).toBe(1);
    const s = await summarise(t.db, { orgId: org, domain: 'zero.example' });
    expect(s.totals).toMatchObject({ reports: 1, records: 0, messages: 0 });
  });

  it('keeps a report with a bad record and warns, naming the record', async () => {
    const xml = syntheticReportXml({ seed: 6, records: 3, domain: 'badrec.example' })
      .replace(/<source_ip>[^<]*<\/source_ip>/, '<source_ip>not-an-ip</source_ip>')
      .replace(/(<record>[\s\S]*?<record>[\s\S]*?)<count>\d+<\/count>/, '$1<count>-5</count>');
    const r = await ingest(Buffer.from(xml), 'badrec.xml');
    expect(r.status).toBe('processed');
    expect(r.recordCount).toBe(3);
    expect(r.warnings.join('\n')).toMatch(/record 1/);
    expect(r.warnings.join('\n')).toMatch(/record 2/);
    const f = (await getFile(t.db, org, r.fileId))!;
    expect(f.warnings.length).toBeGreaterThanOrEqual(2);
    const nullIp = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM records c JOIN reports r ON r.id = c.report_id
       WHERE r.domain = 'badrec.example' AND c.source_ip IS NULL`,
    );
    expect(nullIp.rows[0]!.n).toBe(1);
  });

  it('a zip with good and bad members stores the good ones and names the bad ones', async () => {
    const good = Buffer.from(syntheticReportXml({ seed: 7, records: 5, domain: 'partial.example' }));
    const zip = zipSync({
      'ok/report.xml': good,
      'bad/broken.xml': Buffer.from('<feedback><report_metadata><org_name>x</org_name></feedback>'),
      '__MACOSX/ok/._report.xml': Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]),
    });
    const r = await ingest(zip, 'partial.zip');
    expect(r.status).toBe('processed');
    expect(r.reportsStored).toBe(1);
    expect(r.error).toMatch(/broken\.xml/);
    expect(r.error).not.toMatch(/__MACOSX/);
  });

  const bad: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /empty/],
    ['random bytes', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251), /^not a DMARC report: /],
    [
      'truncated gzip',
      () => gzipSync(Buffer.from(syntheticReportXml({ seed: 8, records: 50 }))).subarray(0, 300),
      /gzip|truncated|unexpected end/i,
    ],
    [
      'zip with no XML',
      () => zipSync({ 'readme.txt': Buffer.from('hello, not a report') }),
      /^readme.txt: not a DMARC report: /,
    ],
    [
      'DOCTYPE with entities (billion laughs)',
      () =>
        Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
            '<feedback><report_metadata><org_name>&lol2;</org_name><report_id>1</report_id></report_metadata>' +
            '<policy_published><domain>lol.example</domain></policy_published></feedback>',
        ),
      /DOCTYPE|entity/i,
    ],
    [
      'external entity (XXE)',
      () =>
        Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
            '<feedback><report_metadata><org_name>&xxe;</org_name><report_id>1</report_id></report_metadata>' +
            '<policy_published><domain>xxe.example</domain></policy_published></feedback>',
        ),
      /DOCTYPE|entity/i,
    ],
    [
      'gzip bomb',
      () =>
        gzipSync(Buffer.concat([Buffer.from('<?xml version="1.0"?><feedback>'), Buffer.alloc(64 * 1024 * 1024, 0x20)])),
      /compression ratio|decompressed size/i,
    ],
    [
      'XML without report_id',
      () =>
        Buffer.from(
          '<feedback><report_metadata><org_name>x</org_name></report_metadata><policy_published><domain>a.example</domain></policy_published></feedback>',
        ),
      /report_id/,
    ],
    [
      'XML without policy domain',
      () =>
        Buffer.from(
          '<feedback><report_metadata><org_name>x</org_name><report_id>9</report_id></report_metadata><policy_published><p>none</p></policy_published></feedback>',
        ),
      /domain/,
    ],
  ];

  it.each(bad)('%s: failed with a clear reason, nothing stored', async (name, make, reason) => {
    const before = { reports: await count('reports'), records: await count('records') };
    const r = await ingest(make(), `${name}.bin`);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(reason);
    expect(r.error).not.toMatch(/\n\s+at /); // no stack trace
    expect({ reports: await count('reports'), records: await count('records') }).toEqual(before);
    const f = (await getFile(t.db, org, r.fileId))!;
    expect(f.status).toBe('failed');
  });
});
