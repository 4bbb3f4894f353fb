// End to end: the Export menu in Chromium on the real `dmarc serve`. On the overview with a custom range and a
// domain, the menu's "Records CSV" downloads a file named after the domain and period whose rows are the API's
// records for those filters (read back with csv-parse); NDJSON too; Sources, Senders, Reports and Alerts each have
// the menu with their own export. At 1,280 and 1,920 px the open menu lies inside the viewport and the page does
// not scroll sideways (screenshots in test-output/e2e/). No console errors.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const SAMPLES = path.join(import.meta.dirname, '..', '..', 'samples');
const FROM = '2000-01-01';
const TO = '2025-12-31';
const WIDTHS = [1280, 1920] as const;

describe.skipIf(!haveChromium)('the Export menu in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  let domain: string;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const r = await fetch(`${server.url}${p}`, {
      ...init,
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };

  /** Opens the page's Export menu and downloads one of its items; returns the file's name and text. */
  const exportFrom = async (item: string): Promise<{ name: string; text: string }> => {
    await page.locator('.export-menu summary').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`[data-export="${item}"]`).click(),
    ]);
    const file = await download.path();
    await page.locator('.export-status[role="status"]').filter({ hasText: 'Downloaded' }).waitFor();
    return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
  };

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const form = new FormData();
    for (const name of fs.readdirSync(SAMPLES)) {
      form.append('files', new Blob([fs.readFileSync(path.join(SAMPLES, name))]), name);
    }
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 120) throw new Error('the uploaded files were not processed within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const domains = await api<{ items: { domain: string; messages: number }[] }>('/api/domains?limit=50');
    domain = [...domains.items].sort((a, b) => b.messages - a.messages)[0]!.domain;
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 240_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
  });

  it("downloads the overview's records for its filters, named after the domain and period", async () => {
    await page.goto(`${server.url}/?domain=${domain}&from=${FROM}&to=${TO}`);
    await page.locator('[data-figure="messages"]').waitFor();
    const summary = await api<{ records: number; messages: number }>(
      `/api/rollup/summary?domain=${domain}&from=${FROM}&to=${TO}`,
    );
    const csv = await exportFrom('records.csv');
    expect(csv.name).toBe(`dmarc-records-${domain}-${FROM}_${TO}.csv`);
    const rows = parse<Record<string, string>>(csv.text, { columns: true });
    expect(rows.length).toBe(summary.records);
    expect(rows.reduce((a, r) => a + Number(r.count), 0)).toBe(summary.messages);
    expect(new Set(rows.map((r) => r.domain))).toEqual(new Set([domain]));
    const nd = await exportFrom('sources.json');
    expect(nd.name).toBe(`dmarc-sources-${domain}-${FROM}_${TO}.ndjson`);
    const sources = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: number });
    expect(sources.reduce((a, s) => a + s.messages, 0)).toBe(summary.messages);
    // the PDF report of the same filters, from the same menu
    await page.locator('.export-menu summary').click();
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-export="report.pdf"]').click(),
    ]);
    await page.locator('.export-status[role="status"]').filter({ hasText: 'Downloaded' }).waitFor();
    expect(pdf.suggestedFilename()).toBe(`dmarc-report_${domain}_${FROM}_${TO}.pdf`);
    expect(
      fs
        .readFileSync(await pdf.path())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
  });

  it('has the menu with its own export on the reports, sources, senders and alerts pages', async () => {
    for (const [p, item, what] of [
      ['/reports', 'reports.csv', 'reports'],
      ['/sources', 'sources.csv', 'sources'],
      ['/senders', 'senders.csv', 'senders'],
      ['/alerting', 'alerts.csv', 'alerts'],
    ] as const) {
      await page.goto(`${server.url}${p}?domain=${domain}&from=${FROM}&to=${TO}`);
      await page.locator('.export-menu summary').waitFor();
      const f = await exportFrom(item);
      expect(f.name, p).toMatch(new RegExp(`^dmarc-${what}-`));
      expect(f.text.split('\r\n')[0], p).toMatch(/^[a-z_]+(,[a-z_]+)+$/);
    }
  });

  it('fits at 1,280 and 1,920 px: the open menu inside the viewport, no sideways scrolling', async () => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const p of ['/', '/reports', '/sources', '/senders', '/alerting']) {
        await page.goto(`${server.url}${p}?domain=${domain}&from=${FROM}&to=${TO}`);
        await page.locator('.export-menu summary').click();
        const box = await page.locator('.export-items').boundingBox();
        expect(box, `${p} at ${width}`).not.toBeNull();
        expect(box!.x, `${p} at ${width}`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${p} at ${width}`).toBeLessThanOrEqual(width);
        const overflow = await page.evaluate(() => {
          const el = (
            globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
          ).document.documentElement;
          return el.scrollWidth - el.clientWidth;
        });
        expect(overflow, `${p} at ${width} px`).toBeLessThanOrEqual(1);
        await page.screenshot({
          path: path.join(SHOTS_DIR, `export-menu${p === '/' ? '-overview' : p.replace('/', '-')}-${width}.png`),
        });
        await page.keyboard.press('Escape');
        expect(await page.locator('.export-menu details').getAttribute('open'), 'Escape closes it').toBeNull();
      }
    }
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
