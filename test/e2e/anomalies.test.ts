// End to end, the Anomalies page (/anomalies): the real `dmarc serve` with three weeks of generated reports (normal
// senders, then three new addresses sending thousands of messages failing DKIM and SPF on the last day), a model
// trained and the days scored through the API, driven by Chromium: the three injected sources are the rows, highest
// score first, with the words and a link to each source's page; "every scored source" lists the normal ones too.
// The Sources table marks the three. At 1,280 and 1,920 px without horizontal overflow; screenshots in test-output/e2e/anomalies-*.png. No console errors.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportXml } from '../alerts/support.js';
import { INJECTED_IPS, generatedReports } from '../analytics/anomaly/generated.js';
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
  shotAtWidths,
} from '../support/e2e.js';

const haveChromium = chromiumAvailable();
const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password-1234' };
const WIDTHS = [1280, 1920] as const;

describe.skipIf(!haveChromium)('the Anomalies page in Chromium', () => {
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
  const shot = (name: string): Promise<void> => shotAtWidths(page, `anomalies-${name}`);

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const form = new FormData();
    generatedReports({ domain: 'example.com', from: '2026-02-10', to: '2026-03-02', injectOn: '2026-03-02' }).forEach(
      (r, i) => form.append('files', new Blob([reportXml(r)]), `r${i}.xml`),
    );
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 240) throw new Error('the uploaded files were not processed within 120 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    await api('/api/analytics/models/train', { method: 'POST' });
    await api('/api/analytics/anomalies/detect', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-02-10', to: '2026-03-02' }),
    });
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 240_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
  });

  it('lists the injected sources, highest score first, with the words and a link to each source', async () => {
    await page.goto(`${server.url}/anomalies`);
    const rows = page.locator('table.data tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(INJECTED_IPS.length);
    const ips = await page.locator('table.data tbody tr td:first-child a').allTextContents();
    expect([...ips].sort()).toEqual([...INJECTED_IPS].sort());
    const scores = (await page.locator('table.data tbody tr td:nth-child(3)').allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(await rows.first().textContent()).toContain('DMARC fails 100%');
    await shot('anomalous');
    await page.locator('table.data tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/sources\/203\.0\.113\.\d+$/);
    await page.locator('h1').waitFor();
  });

  it('the Sources table marks the anomalous sources, and the mark leads to the Anomalies page', async () => {
    await page.goto(`${server.url}/sources?from=2026-02-10&to=2026-03-02`);
    await page.locator('table.sources tbody tr').first().waitFor();
    const marked = await page
      .locator('table.sources tbody tr')
      .filter({ has: page.locator('.anomaly-mark') })
      .locator('td:first-child a:not(.anomaly-mark)')
      .allTextContents();
    expect(marked.sort()).toEqual([...INJECTED_IPS].sort());
    const mark = page.locator('.anomaly-mark').first();
    expect(await mark.getAttribute('title')).toMatch(/^Anomalous on .+: score 0\.\d\d$/);
    await shot('sources');
    await mark.click();
    await page.waitForURL(/\/anomalies$/);
  });

  it('every scored source: the normal ones follow, in pages', async () => {
    await page.goto(`${server.url}/anomalies?all=true`);
    await page.locator('table.data tbody tr').first().waitFor();
    expect(await page.locator('table.data tbody tr').count()).toBe(50);
    await expect(page.locator('.pager-info').textContent()).resolves.toMatch(/of 339/);
    await shot('all');
  });

  it('the Models page: versions with their figures; train, deploy, delete', async () => {
    page.on('dialog', (d) => void d.accept());
    // reached from the Anomalies page (the navigation keeps one item for both)
    await page.goto(`${server.url}/anomalies`);
    await page.locator('.page-actions').getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Anomaly models' }).waitFor();
    expect(await page.locator('#main-nav [aria-current="page"]').textContent()).toBe('Anomalies');
    const rows = page.locator('table.data tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('active');
    await page.getByRole('button', { name: 'Train a new version' }).click();
    await page.getByText('A new version was trained.').waitFor();
    await page.locator('table.data tbody tr:nth-child(2)').waitFor();
    expect(await rows.first().textContent()).toMatch(/^2/);
    await shot('models');
    await rows.first().getByRole('button', { name: 'Deploy' }).click();
    await page.getByText('Version 2 is now active.').waitFor();
    await rows.nth(1).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Version 1 was deleted.').waitFor();
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('table.data tbody tr').length === 1,
    );
    const list = await api<{ items: { version: number; active: boolean }[] }>('/api/analytics/models');
    expect(list.items.map((m) => [m.version, m.active])).toEqual([[2, true]]);
    expect(consoleErrors).toEqual([]);
  });
});
