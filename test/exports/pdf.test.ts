// The PDF report from the store (src/exports/pdf): read back with poppler, its text holds the headline figures the
// analytics API answers for the same filter, the names of its tables in every script (proof that the glyphs are
// mapped to text, not boxes), its pages carry ink, and a filter with no data gives a short PDF that says so.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, reportFileName, type RenderedReport } from '../../src/exports/pdf/report.js';
import { fontRuns, FONT } from '../../src/exports/pdf/fonts.js';
import { countChange, rateChange } from '../../src/exports/pdf/format.js';
import { getJson, startApi, type TestApi } from '../api/helpers.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import {
  DOMAIN,
  IDN_DOMAIN,
  IDN_UNICODE,
  PERIOD,
  REPORTERS,
  flat,
  pageInk,
  pdfInfo,
  pdfText,
  seedDataset,
} from './pdf-support.js';

interface Trends {
  period: { from: string; to: string; days: number };
  current: { messages: number; dmarcPass: number; dmarcFail: number; sources: number; complianceRate: number };
  previous: { messages: number; dmarcPass: number; dmarcFail: number; sources: number; complianceRate: number };
}
interface Summary {
  messages: number;
  dmarcPass: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  reports: number;
}

const int = (n: number) => new Intl.NumberFormat('en-US').format(n);
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

describe('PDF report', () => {
  let api: TestApi;
  let report: RenderedReport;
  let text: string;

  beforeAll(async () => {
    api = await startApi('pglite');
    await seedDataset(api, { orgId: DEFAULT_ORG_ID });
    report = await renderReport(api.db, {
      orgName: 'Default organisation',
      filter: { orgId: DEFAULT_ORG_ID, ...PERIOD },
      now: new Date('2026-01-20T09:30:00Z'),
    });
    text = flat(await pdfText(report.pdf));
    if (process.env.DMARC_PDF_KEEP) {
      await fs.writeFile(`${process.env.DMARC_PDF_KEEP}/report.pdf`, report.pdf);
      await pageInk(report.pdf, 70, process.env.DMARC_PDF_KEEP);
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('is a PDF of several pages, numbered "page N of M"', async () => {
    expect(report.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const info = await pdfInfo(report.pdf);
    expect(info.pages).toBeGreaterThanOrEqual(5);
    expect(info.title).toBe('DMARC report · Default organisation');
    for (let n = 1; n <= info.pages; n++) expect(text).toContain(`Page ${n} of ${info.pages}`);
    expect(report.empty).toBe(false);
  });

  it('has a cover with the organisation, the domains, the period and the generation time', () => {
    expect(text).toContain('DMARC AGGREGATE REPORT');
    expect(text).toContain('Default organisation');
    expect(text).toContain('8 Jan 2026 – 14 Jan 2026 (7 days)');
    expect(text).toContain('Compared with 1 Jan 2026 – 7 Jan 2026'); // the previous period
    expect(text).toContain('2026-01-20 09:30 UTC');
    expect(text).toContain(DOMAIN);
  });

  it('holds the headline figures the analytics API answers, with their change', async () => {
    const q = `?from=${PERIOD.from}&to=${PERIOD.to}`;
    const t = await getJson<Trends>(api, `/api/rollup/trends${q}`);
    const s = await getJson<Summary>(api, `/api/rollup/summary${q}`);
    const ps = await getJson<Summary>(api, '/api/rollup/summary?from=2026-01-01&to=2026-01-07');
    expect(report.data.summary.messages).toBe(s.messages);
    expect(s.messages).toBeGreaterThan(0);
    expect(text).toContain(
      `Messages ${int(s.messages)} ${int(ps.messages)} ${countChange(s.messages, ps.messages).text}`,
    );
    expect(text).toContain(
      `DMARC pass rate ${pct(s.dmarcPass / s.messages)} ${pct(ps.dmarcPass / ps.messages)} ` +
        rateChange(s.dmarcPass / s.messages, ps.dmarcPass / ps.messages).text,
    );
    expect(text).toContain(`Failing DMARC ${int(t.current.dmarcFail)} ${int(t.previous.dmarcFail)}`);
    expect(text).toContain(`DKIM aligned ${pct(s.dkimAlignedPass / s.messages)}`);
    expect(text).toContain(`SPF aligned ${pct(s.spfAlignedPass / s.messages)}`);
    expect(text).toContain(`Sources (IP addresses) ${int(t.current.sources)} ${int(t.previous.sources)}`);
    expect(text).toContain(`Reports ${int(s.reports)} ${int(ps.reports)}`);
    const reporters = await getJson<{ total: number }>(api, `/api/rollup/reporters${q}`);
    expect(text).toContain(`Reporters ${int(reporters.total)}`);
  });

  it('names reporters, senders and domains in every script, as text (no boxes)', () => {
    for (const name of REPORTERS) expect(text).toContain(name);
    expect(text).toContain(IDN_UNICODE);
    expect(text).toContain(IDN_DOMAIN);
    expect(text).toContain('mx.evil.example');
  });

  it('says what fails and why: failing sources with their DKIM/SPF results and domains, override reasons', () => {
    expect(text).toContain('What fails and why');
    expect(text).toContain('185.70.40.1');
    expect(text).toContain('evil.example=fail');
    expect(text).toContain('bounce.evil.example=softfail');
    expect(text).toContain('Mailing list');
    expect(text).toContain('lists.example.org=pass');
  });

  it('shows the published policy and the failing volume by sender', () => {
    expect(text).toContain('Published policy');
    expect(text).toMatch(/example\.com none quarantine 100 r r/);
    expect(text).toContain('reject');
    expect(text).toContain('What still blocks enforcement');
  });

  it('draws every page (not blank)', async () => {
    const ink = await pageInk(report.pdf);
    expect(ink.length).toBeGreaterThanOrEqual(5);
    for (const share of ink) expect(share).toBeGreaterThan(0.01);
  });

  it('names the file after the domain and the period', () => {
    expect(report.fileName).toBe('dmarc-report_all-domains_2026-01-08_2026-01-14.pdf');
    expect(reportFileName({ domain: 'bücher.example', period: { from: '2026-01-01', to: '2026-01-31' } })).toBe(
      'dmarc-report_xn--bcher-kva.example_2026-01-01_2026-01-31.pdf',
    );
    expect(reportFileName({ domain: 'example.com', period: null })).toBe('dmarc-report_example.com_no-period.pdf');
  });

  it('one domain: only its figures', async () => {
    const r = await renderReport(api.db, {
      orgName: 'Default organisation',
      filter: { orgId: DEFAULT_ORG_ID, domain: IDN_DOMAIN, ...PERIOD },
    });
    const s = await getJson<Summary>(
      api,
      `/api/rollup/summary?domain=${IDN_DOMAIN}&from=${PERIOD.from}&to=${PERIOD.to}`,
    );
    expect(r.data.summary.messages).toBe(s.messages);
    const t = flat(await pdfText(r.pdf));
    expect(t).toContain(`Messages ${int(s.messages)}`);
    expect(t).not.toContain('Mail.Ru');
    expect(r.fileName).toBe(`dmarc-report_${IDN_DOMAIN}_2026-01-08_2026-01-14.pdf`);
  });

  it('a filter without data: a short PDF that says so', async () => {
    const r = await renderReport(api.db, {
      orgName: 'Default organisation',
      filter: { orgId: DEFAULT_ORG_ID, from: '2020-01-01', to: '2020-01-31' },
    });
    expect(r.empty).toBe(true);
    expect((await pdfInfo(r.pdf)).pages).toBe(1);
    const t = flat(await pdfText(r.pdf));
    expect(t).toContain('No data for this report');
    expect(t).toContain('1 Jan 2020 – 31 Jan 2020');
    expect(t).toContain('Page 1 of 1');
  });
});

describe('font runs', () => {
  it('draws Latin, Greek and Cyrillic in Noto Sans and CJK in Noto Sans CJK', () => {
    expect(fontRuns('Mail.Ru Почта Ελληνικά')).toEqual([{ text: 'Mail.Ru Почта Ελληνικά', font: FONT.regular }]);
    expect(fontRuns('中国电信 (China)', 'bold')).toEqual([
      { text: '中国电信 ', font: FONT.cjkBold },
      { text: '(China)', font: FONT.bold },
    ]);
    expect(fontRuns('日本郵便').map((r) => r.font)).toEqual([FONT.cjk]);
  });
});
