// End to end, the SMTP TLS and failure report pages (Reports → SMTP TLS | Failure): the real `dmarc serve`, driven
// by Chromium. Empty at first, each page says what its reports are and how they arrive (rua= of the TLSRPT record,
// ruf= of DMARC). Then the corpus's SMTP TLS and failure reports are uploaded (with an aggregate report of
// yesterday from one of the failure reports' sources): the TLS page's per-domain figures and its chart's table equal
// /api/tls/summary, its list /api/tls/reports, and a report's detail shows its policies and failure details; the
// failure list equals /api/failures, a detail shows the kept headers and never the body; the source page and the
// senders page lead to the failure reports of that address and sender, and the lists there equal the API's.
// Every page at 1,280 and 1,920 px (test-output/e2e/reports-*.png), no horizontal scrolling, no console errors.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber, formatPercent } from '../../web/src/lib/format.js';
import { readManifest } from '../support/manifest.js';
import {
  SHOTS_DIR,
  apiToken,
  chromiumAvailable,
  ensureBuilt,
  launchBrowser,
  signIn,
  startServer,
  stopServer,
  type Server,
} from '../support/e2e.js';

const haveChromium = chromiumAvailable();
const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password-1234' };
const WIDTHS = [1280, 1920] as const;
/** The source of the LinkedIn and domain.de failure reports of the corpus. */
const FAILING_IP = '10.10.10.10';
/** Text of the original message's body in the LinkedIn failure report. */
const BODY_MARK = 'HTML Text';

/** An aggregate report of yesterday (UTC) for example.com with mail from FAILING_IP failing DMARC. */
function aggregateReport(): string {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const begin = day.getTime() / 1000 - 86_400;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>reporter.test</org_name><email>r@reporter.test</email>
    <report_id>e2e-report-pages-1</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><p>none</p><pct>100</pct></policy_published>
  <record>
    <row><source_ip>${FAILING_IP}</source_ip><count>12</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results>
  </record>
</feedback>
`;
}

interface TlsSummary {
  domains: {
    domain: string;
    reports: number;
    sessions: number;
    successfulSessions: number;
    failedSessions: number;
    failureShare: number | null;
    byResultType: { resultType: string; failedSessions: number }[];
  }[];
  series: { date: string; resultType: string; failedSessions: number }[];
}
interface Paged<T> {
  items: T[];
  total: number;
}

describe.skipIf(!haveChromium)('the SMTP TLS and failure report pages in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    const r = await fetch(`${server.url}${p}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const shot = async (name: string): Promise<void> => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SHOTS_DIR, `reports-${name}-${width}.png`), fullPage: true });
      // a function run in the page (the CSP forbids eval); this file has no DOM types
      const overflow = await page.evaluate(() => {
        const el = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document.documentElement;
        return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
      });
      expect(overflow.scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(overflow.clientWidth + 1);
    }
    await page.setViewportSize({ width: WIDTHS[0], height: 900 });
  };
  const cellTexts = async (selector: string): Promise<string[]> =>
    (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
  });

  it('says what the reports are and how they arrive while there are none', async () => {
    await page.goto(`${server.url}/reports`);
    await page.getByTestId('report-tabs').getByRole('link', { name: 'SMTP TLS' }).click();
    await page.getByText('No SMTP TLS reports yet').waitFor();
    expect(page.url()).toMatch(/\/reports\/tls$/);
    expect(await page.getByTestId('tls-about').textContent()).toMatch(/RFC 8460.*rua=.*TLSRPT/s);
    await shot('tls-empty');
    await page.getByTestId('report-tabs').getByRole('link', { name: 'Failure' }).click();
    await page.getByText('No failure reports yet').waitFor();
    expect(await page.getByTestId('failure-about').textContent()).toMatch(/RFC 6591.*ruf=.*DMARC record/s);
    await shot('failures-empty');
  });

  it('imports the corpus: SMTP TLS and failure reports, and an aggregate report', async () => {
    const rows = readManifest().filter((r) => r.kind === 'smtp_tls' || r.kind === 'forensic');
    expect(rows.length).toBeGreaterThan(10);
    const form = new FormData();
    for (const r of rows) form.append('files', new Blob([fs.readFileSync(r.absPath)]), path.basename(r.path));
    form.append('files', new Blob([aggregateReport()]), 'aggregate.xml');
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 240) throw new Error('the uploaded files were not processed within 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await api<Paged<unknown>>('/api/tls/reports?limit=1')).total).toBeGreaterThan(5);
    expect((await api<Paged<unknown>>('/api/failures?limit=1')).total).toBeGreaterThan(5);
  }, 180_000);

  it("shows the TLS figures per domain, and a chart whose table equals the API's", async () => {
    const summary = await api<TlsSummary>('/api/tls/summary');
    await page.goto(`${server.url}/reports/tls`);
    await page.locator('table.tls-domains tbody tr').first().waitFor();
    const rows = page.locator('table.tls-domains tbody tr');
    expect(await rows.count()).toBe(summary.domains.length);
    for (const d of summary.domains) {
      const row = page.locator(`table.tls-domains tr[data-domain="${d.domain}"]`);
      expect(await row.locator('[data-field="sessions"]').textContent()).toBe(formatNumber(d.sessions));
      expect(await row.locator('[data-field="successful"]').textContent()).toBe(formatNumber(d.successfulSessions));
      expect(await row.locator('[data-field="failed"]').textContent()).toBe(formatNumber(d.failedSessions));
      expect(await row.locator('[data-field="share"]').textContent()).toBe(formatPercent(d.failureShare));
      for (const r of d.byResultType) {
        expect(await row.textContent()).toContain(`${r.resultType}: ${formatNumber(r.failedSessions)}`);
      }
    }
    // the chart is drawn, and its table holds every failed session of the series
    await page.locator('[data-chart="tls-failures"] .chart-canvas[data-drawn="true"]').waitFor();
    await page.locator('[data-chart="tls-failures"] summary').click();
    const totals = await cellTexts('[data-chart="tls-failures"] table tbody tr td:last-child');
    const shown = totals.reduce((n, t) => n + Number(t.replace(/,/g, '')), 0);
    expect(shown).toBe(summary.series.reduce((n, p) => n + p.failedSessions, 0));
    expect(shown).toBeGreaterThan(0);
    const list = await api<Paged<{ id: number }>>('/api/tls/reports');
    expect(await page.locator('table.tls-reports tbody tr').count()).toBe(list.items.length);
    expect(await page.locator('.pager-info').textContent()).toContain(`of ${formatNumber(list.total)}`);
    await shot('tls');
  });

  it('filters the TLS list by domain as the API does, and opens a report with its policies', async () => {
    await page.locator('#tls-domain').fill('company-y.example');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/domain=company-y\.example/);
    const list = await api<Paged<{ id: number; reportId: string }>>('/api/tls/reports?domain=company-y.example');
    expect(list.total).toBe(1);
    await page.locator(`table.tls-reports tr[data-report="${list.items[0]!.id}"]`).waitFor();
    expect(await page.locator('table.tls-reports tbody tr').count()).toBe(1);
    expect(await page.locator('table.tls-domains tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: list.items[0]!.reportId }).click();
    await page.getByRole('heading', { name: 'SMTP TLS report from Company-X' }).waitFor();
    const detail = await api<{
      successfulSessions: number;
      failedSessions: number;
      policyList: { mxHost: string[]; failureDetails: { resultType: string }[] }[];
    }>(`/api/tls/reports/${list.items[0]!.id}`);
    expect(await page.getByTestId('tls-sessions').textContent()).toContain(
      `${formatNumber(detail.successfulSessions)} successful, ${formatNumber(detail.failedSessions)} failed`,
    );
    expect(await page.getByTestId('tls-policy').count()).toBe(detail.policyList.length);
    const policy = page.getByTestId('tls-policy').first();
    for (const mx of detail.policyList[0]!.mxHost) expect(await policy.textContent()).toContain(mx);
    expect(await policy.locator('table.tls-failures tbody tr').count()).toBe(
      detail.policyList[0]!.failureDetails.length,
    );
    await shot('tls-detail');
    await page.getByRole('link', { name: '← All SMTP TLS reports' }).click();
    await page.waitForURL(/\/reports\/tls\?domain=company-y\.example$/);
  });

  it("lists the failure reports as the API does, and shows one's kept headers, never its body", async () => {
    const list = await api<Paged<{ id: number; sourceIp: string | null }>>('/api/failures');
    await page.goto(`${server.url}/reports/failures`);
    await page.locator('table.failure-reports tbody tr').first().waitFor();
    expect(await page.locator('table.failure-reports tbody tr').count()).toBe(list.items.length);
    expect(
      await page
        .locator('table.failure-reports tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => Number((tr as unknown as { dataset: { report: string } }).dataset.report)),
        ),
    ).toEqual(list.items.map((i) => i.id));
    await shot('failures');
    const linkedIn = (await api<Paged<{ id: number }>>('/api/failures?domain=example.com&source_ip=10.10.10.10'))
      .items[0]!;
    await page.locator(`table.failure-reports tr[data-report="${linkedIn.id}"] td a`).first().click();
    await page.getByRole('heading', { name: 'Failure report for example.com' }).waitFor();
    const d = await api<{ headers: { name: string; value: string }[]; authFailure: string }>(
      `/api/failures/${linkedIn.id}`,
    );
    const headers = page.locator('table.failure-headers tbody tr');
    expect(await headers.count()).toBe(d.headers.length);
    expect(await page.locator('#failure-auth + dl').textContent()).toContain(d.authFailure);
    expect(await page.locator('main').textContent()).not.toContain(BODY_MARK);
    await shot('failure-detail');
  });

  it('leads from the source page and from the senders page to their failure reports', async () => {
    const ofIp = await api<Paged<{ id: number }>>(`/api/failures?source_ip=${FAILING_IP}`);
    expect(ofIp.total).toBeGreaterThan(0);
    await page.goto(`${server.url}/sources/${FAILING_IP}`);
    await page.getByTestId('source-failures').getByRole('link').click();
    await page.waitForURL(/\/reports\/failures\?source_ip=10\.10\.10\.10$/);
    await page.locator('table.failure-reports tbody tr').first().waitFor();
    expect(await page.locator('table.failure-reports tbody tr').count()).toBe(ofIp.total);
    expect(await page.locator('#failures-source_ip').inputValue()).toBe(FAILING_IP);
    await shot('failures-of-ip');

    const senders = await api<Paged<{ key: string; sender: string }>>('/api/rollup/senders');
    const sender = senders.items[0]!;
    await page.goto(`${server.url}/senders`);
    await page.getByRole('button', { name: new RegExp(sender.sender) }).click();
    await page.getByTestId('sender-failures').click();
    await page.waitForURL(/\/reports\/failures\?sender=/);
    const ofSender = await api<Paged<{ id: number }>>(`/api/failures?sender=${encodeURIComponent(sender.key)}`);
    expect(ofSender.total).toBeGreaterThan(0);
    await page.locator('table.failure-reports tbody tr').first().waitFor();
    expect(await page.locator('table.failure-reports tbody tr').count()).toBe(ofSender.items.length);
  });

  it("lists a file's SMTP TLS and failure reports on the ingestion page, each linked to its page", async () => {
    const files = await api<{ items: { id: number; kind: string | null }[] }>('/api/files?status=processed&limit=100');
    for (const [kind, path] of [
      ['smtp_tls', 'tls'],
      ['failure', 'failures'],
    ] as const) {
      const file = files.items.find((f) => f.kind === kind)!;
      const detail = await api<{
        tlsReports: { id: number; reportId: string }[];
        failureReports: { id: number }[];
      }>(`/api/files/${file.id}`);
      const first = kind === 'smtp_tls' ? detail.tlsReports[0]! : detail.failureReports[0]!;
      const name = kind === 'smtp_tls' ? detail.tlsReports[0]!.reportId : `#${first.id}`;
      await page.goto(`${server.url}/tasks?file=${file.id}`);
      await page.getByTestId('file-card').getByRole('link', { name, exact: true }).click();
      await page.waitForURL(new RegExp(`/reports/${path}/${first.id}$`));
    }
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
