// The `dmarc` command end to end, as a user runs it, on a fresh embedded data dir.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { CORPUS_DIR, expectationOf, expectedTime, readManifest, type ExpectedReport } from '../support/manifest.js';

const rows = readManifest();

/** Distinct reports of the whole corpus (first by path order wins an identity), as an import must store them. */
function distinctCorpusReports(): ExpectedReport[] {
  const seen = new Map<string, ExpectedReport>();
  for (const row of [...rows].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    for (const r of expectationOf(row)?.reports ?? []) {
      const key = JSON.stringify([r.org_name ?? '', r.report_id, r.domain.toLowerCase(), expectedTime(r.begin)]);
      if (!seen.has(key)) seen.set(key, r);
    }
  }
  return [...seen.values()];
}

describe('dmarc CLI', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cli-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: dataDir });

  it.each([[], ['import'], ['parse'], ['summary'], ['reprocess'], ['migrate'], ['enrich']])(
    '--help works for: dmarc %s',
    async (...sub) => {
      const r = await runCli([...sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: dmarc/);
    },
  );

  it('imports the corpus, prints the JSON summary, exits 1 because some files are malformed', async () => {
    const r = await runCli(['import', '--json', CORPUS_DIR], env());
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(
      ['duplicates', 'enriched', 'failed', 'failures', 'files', 'imported', 'records', 'reports', 'unsupported'].sort(),
    );
    // the new reports' source IPs were enriched after the files (reverse DNS is off in the tests)
    expect(s.enriched).toBeGreaterThan(0);
    const truth = distinctCorpusReports();
    // SMTP TLS reports are stored too: one per identity; a TLS report's "records" are its policies
    const tls = distinctTlsReports();
    // and the failure reports (RFC 6591): one per forensic file, the LinkedIn report's CRLF copy a duplicate
    const failureReports = rows.filter((x) => x.kind === 'forensic').length - 1;
    expect(s.reports).toBe(truth.length + tls.length + failureReports);
    expect(s.records).toBe(truth.reduce((a, x) => a + x.records, 0) + tls.reduce((a, x) => a + x.policies, 0));
    const files = (await fs.readdir(CORPUS_DIR, { recursive: true, withFileTypes: true })).filter(
      (e) => e.isFile() && !e.name.startsWith('.'),
    );
    expect(s.files).toBe(files.length);
    expect(s.failed).toBeGreaterThan(0);
    // every kind the corpus holds is stored now
    expect(s.unsupported).toBe(0);
    const failures = s.failures as { file: string; error: string }[];
    expect(failures.length).toBe(s.failed);
    for (const f of failures) expect(f.error.length).toBeGreaterThan(5);
  });

  it('summary --json equals the ground truth', async () => {
    const r = await runCli(['summary', '--json'], env());
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      totals: Record<string, number>;
      domains: { domain: string; messages: number }[];
    };
    const truth = distinctCorpusReports();
    expect(s.totals.reports).toBe(truth.length);
    expect(s.totals.messages).toBe(truth.reduce((a, x) => a + x.count_sum, 0));
    const bix = s.domains.find((d) => d.domain === 'bix-business.com');
    expect(bix?.messages).toBe(2);
  });

  it('summary filters by domain and by begin date (inclusive, UTC)', async () => {
    // google.com nice-input: begin 1718236800 = 2024-06-13T00:00:00Z
    const on = await runCli(['summary', '--json', '--from', '2024-06-13', '--to', '2024-06-13'], env());
    const day = JSON.parse(on.stdout) as { totals: { messages: number; reports: number } };
    const truth = distinctCorpusReports().filter(
      (x) => typeof x.begin === 'number' && new Date(x.begin * 1000).toISOString().startsWith('2024-06-13'),
    );
    expect(day.totals.reports).toBe(truth.length);
    expect(day.totals.messages).toBe(truth.reduce((a, x) => a + x.count_sum, 0));
    const dom = await runCli(['summary', '--json', '--domain', 'EXAMPLE.com'], env());
    const d = JSON.parse(dom.stdout) as { domains: { domain: string }[] };
    expect(d.domains.map((x) => x.domain)).toEqual(['example.com']);
  });

  it('a second import of the corpus stores nothing new', async () => {
    const r = await runCli(['import', '--json', CORPUS_DIR], env());
    const s = JSON.parse(r.stdout) as Record<string, number>;
    expect(s.reports).toBe(0);
    expect(s.records).toBe(0);
    expect(s.imported).toBe(0);
    expect(s.failed).toBe(0);
    expect(r.code).toBe(0);
  });

  it('reprocess --failed re-runs failed files from their kept bytes', async () => {
    const r = await runCli(['reprocess', '--failed', '--json'], env());
    const s = JSON.parse(r.stdout) as { files: number; failed: number; reports: number };
    expect(s.files).toBeGreaterThan(0);
    expect(s.failed).toBe(s.files); // still malformed
    expect(s.reports).toBe(0);
    expect(r.code).toBe(1);
  });

  it('parse --json prints one object per file with the normalised reports', async () => {
    const files = [
      path.join(CORPUS_DIR, 'parsedmarc/nice-input.xml.gz'),
      path.join(CORPUS_DIR, 'dmarc-report_stuartmaxwell/multiple_reports.zip'),
      path.join(CORPUS_DIR, 'parsedmarc/empty.xml'),
      path.join(CORPUS_DIR, 'parsedmarc/rfc8460.json'),
      path.join(CORPUS_DIR, 'does-not-exist.xml'),
    ];
    const r = await runCli(['parse', '--json', ...files]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.status)).toEqual(['ok', 'ok', 'failed', 'ok', 'failed']);
    // the TLS report in RFC 8460's own field names
    const tls = (lines[3]!.tlsReports as Record<string, unknown>[])[0]!;
    expect(tls).toMatchObject({
      part: 'rfc8460.json',
      'organization-name': 'Company-X',
      'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
      'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
      domain: 'company-y.example',
    });
    const policy = (tls.policies as Record<string, Record<string, unknown>>[])[0]!;
    expect(policy.policy).toMatchObject({ 'policy-type': 'sts', 'policy-domain': 'company-y.example' });
    expect(policy.summary).toEqual({ 'total-successful-session-count': 5326, 'total-failure-session-count': 303 });
    expect(lines[0]!.tlsReports).toEqual([]);
    const nice = (lines[0]!.reports as Record<string, unknown>[])[0]!;
    expect(nice).toMatchObject({
      orgName: 'google.com',
      reportId: '11038226378739404135',
      domain: 'example.com',
      begin: 1718236800,
      end: 1718323199,
    });
    expect(Object.keys(nice.policy as object)).toEqual(
      expect.arrayContaining(['adkim', 'aspf', 'p', 'sp', 'np', 'pct', 'fo', 'testing']),
    );
    const rec = (nice.records as Record<string, unknown>[])[0]!;
    expect(Object.keys(rec)).toEqual(
      expect.arrayContaining([
        'sourceIp',
        'count',
        'disposition',
        'dkim',
        'spf',
        'reasons',
        'headerFrom',
        'envelopeFrom',
        'envelopeTo',
        'dkimResults',
        'spfResults',
      ]),
    );
    expect((lines[1]!.reports as unknown[]).length).toBe(3);
    expect(lines[2]!.error).toMatch(/empty/);
    expect(lines[4]!.error).toMatch(/no such file/);
  });

  it('parse --json adds the RFC 9990 fields and keeps the others as they were', async () => {
    const fixtures = path.join(import.meta.dirname, '../fixtures/rfc9990');
    const r = await runCli(['parse', '--json', path.join(fixtures, 'full.xml'), path.join(fixtures, 'no-pct.xml')]);
    expect(r.code, r.stderr).toBe(0);
    const [full, plain] = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { reports: Record<string, unknown>[] }).reports[0]!);
    expect(full).toMatchObject({
      orgName: 'Receiver Example',
      extraContactInfo: 'https://receiver.example/dmarc',
      extraContactInfoLang: 'en',
      errors: ['sp tag has an unknown value'],
      errorLangs: ['en'],
      records: [
        {
          reasons: [{ type: 'policy_test_mode', comment: 't=y', commentLang: 'en' }],
          dkimResults: [{ selector: null, humanResult: 'signature expired', humanResultLang: 'en' }],
        },
      ],
      extensions: [
        { record: null, xml: '<arc:arc-override xmlns:arc="urn:example:dmarc-ext:arc">never</arc:arc-override>' },
        { record: 0, xml: expect.stringMatching(/^<arc:arc-results /) },
      ],
      warnings: ["record 1: auth_results/dkim for 'example.com' has no selector (RFC 9990 requires one)"],
    });
    // Without langs the report has the keys it always had, plus extensions.
    expect(Object.keys(plain!)).toEqual([
      'part',
      'version',
      'schema',
      'namespace',
      'orgName',
      'email',
      'extraContactInfo',
      'reportId',
      'begin',
      'end',
      'errors',
      'generator',
      'domain',
      'policy',
      'records',
      'extensions',
      'warnings',
      'recovered',
    ]);
    expect((plain!.policy as Record<string, unknown>).pct).toBeNull();
  });

  it('a bad setting is a one-line error naming the variable, exit 2', async () => {
    const r = await runCli(['summary'], { ...env(), DMARC_MAX_ZIP_ENTRIES: 'many' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/DMARC_MAX_ZIP_ENTRIES/);
  });

  it('a bad option value is refused with exit 2', async () => {
    const r = await runCli(['summary', '--from', '2024-13-01'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/YYYY-MM-DD/);
  });
});

/** The corpus's SMTP TLS reports that name a policy domain, one per identity (reporter, id, domain, start). */
function distinctTlsReports(): { policies: number }[] {
  const byIdentity = new Map<string, { policies: number }>();
  for (const row of rows.filter((x) => x.kind === 'smtp_tls')) {
    const e = row.expected as {
      organization_name: string;
      report_id: string;
      start: string;
      policies: number;
      policy_domains: string[];
    };
    if (e.policy_domains.length === 0) continue;
    byIdentity.set(`${e.organization_name}|${e.report_id}|${e.policy_domains[0]}|${e.start}`, { policies: e.policies });
  }
  return [...byIdentity.values()];
}
