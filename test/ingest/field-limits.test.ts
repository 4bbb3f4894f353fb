// Reports beyond what the database can index or what a report can reasonably hold are refused once, clearly,
// and not retried (hardening finding: a 10 MB report_id or a 40 MB org_name failed five times with a database
// internal; 2,000,000 empty <record/> became 2,000,025 rows). Free text beyond its cap is cut with a warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { MAX_IDENTITY_CHARS, MAX_TEXT_CHARS } from '../../src/parse/aggregate/field-limits.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';

function report(o: { org?: string; id?: string; domain?: string; records?: number; comment?: string } = {}): string {
  const record = `<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated>
    <disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>${
      o.comment !== undefined ? `<reason><type>other</type><comment>${o.comment}</comment></reason>` : ''
    }</policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>`;
  return `<?xml version="1.0"?><feedback><report_metadata><org_name>${o.org ?? 'reporter.test'}</org_name>
    <email>r@reporter.test</email><report_id>${o.id ?? 'limits-1'}</report_id>
    <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
    <policy_published><domain>${o.domain ?? 'example.com'}</domain><p>none</p></policy_published>
    ${record.repeat(o.records ?? 1)}</feedback>`;
}

describe.each(availableEngines())('field and record limits on %s', (engine) => {
  let t: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    t = await openEngine(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function ingest(xml: string, limits = DEFAULT_UNPACK_LIMITS) {
    const intake = await intakeFile(t.db, {
      orgId: DEFAULT_ORG_ID,
      bytes: Buffer.from(xml),
      name: `limits-${++n}.xml`,
      source: 'cli',
    });
    return processFile(t.db, { orgId: DEFAULT_ORG_ID, fileId: intake.fileId }, { limits, sink: NO_SINK });
  }
  const reports = async () => (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM reports')).rows[0]!.n;

  it.each([
    ['report_id', { id: 'x'.repeat(10 * 1024 * 1024) }, /report_id is 10,485,760 characters long; at most 256/],
    ['org_name', { org: 'o'.repeat(40 * 1024 * 1024) }, /org_name is 41,943,040 characters long; at most 256/],
    ['policy domain', { domain: `${'a'.repeat(60)}.`.repeat(5) + 'com' }, /policy_published\/domain is \d+ characters/],
  ])('a %s beyond its cap: the file fails with the reason, nothing stored, no retry', async (_what, o, reason) => {
    const before = await reports();
    const r = await ingest(report(o));
    expect(r.status).toBe('failed');
    expect(r.storageFailed).toBe(false);
    expect(r.error).toMatch(reason);
    expect(await reports()).toBe(before);
  });

  it('at the cap, the report is stored', async () => {
    const r = await ingest(report({ id: 'i'.repeat(MAX_IDENTITY_CHARS), org: 'o'.repeat(MAX_IDENTITY_CHARS) }));
    expect(r.status).toBe('processed');
  });

  it.each(['<img src=x onerror=alert(1)>', 'a b.example', 'exa$mple.com', '-bad.example', '..'])(
    'a policy domain that is not a domain name (%s) is refused',
    async (domain) => {
      const escaped = domain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const r = await ingest(report({ domain: escaped, id: `bad-domain-${n}` }));
      expect(r.status).toBe('failed');
      expect(r.storageFailed).toBe(false);
      expect(r.error).toMatch(/is not a domain name/);
    },
  );

  it('internationalised and underscore domains are domain names', async () => {
    for (const domain of ['bücher.example', '_dmarc-test.example', 'xn--bcher-kva.example']) {
      const r = await ingest(report({ domain, id: `idn-${domain}` }));
      expect(r.status, domain).toBe('processed');
    }
  });

  it('more records than DMARC_MAX_RECORDS_PER_REPORT: refused; at the limit: stored', async () => {
    const limits = { ...DEFAULT_UNPACK_LIMITS, maxRecordsPerReport: 50 };
    const over = await ingest(report({ id: 'many-51', records: 51 }), limits);
    expect(over.status).toBe('failed');
    expect(over.storageFailed).toBe(false);
    expect(over.error).toMatch(/more than 50 records \(DMARC_MAX_RECORDS_PER_REPORT\)/);
    const rows = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM records c JOIN reports r ON r.id = c.report_id WHERE r.report_id = 'many-51'`,
    );
    expect(rows.rows[0]!.n).toBe(0);
    const at = await ingest(report({ id: 'many-50', records: 50 }), limits);
    expect(at.status).toBe('processed');
    expect(at.recordCount).toBe(50);
  });

  it('free text beyond its cap is cut, with a warning, and the report kept', async () => {
    const r = await ingest(report({ id: 'long-comment', comment: 'c'.repeat(MAX_TEXT_CHARS * 3) }));
    expect(r.status).toBe('processed');
    expect(r.warnings.join('\n')).toMatch(/3,072 characters long; its first 1,024 were kept/);
    const c = await t.db.query<{ comments: string[] }>(
      `SELECT c.reason_comments AS comments FROM records c JOIN reports r ON r.id = c.report_id
       WHERE r.report_id = 'long-comment'`,
    );
    expect(c.rows[0]!.comments[0]).toHaveLength(MAX_TEXT_CHARS);
  });
});
