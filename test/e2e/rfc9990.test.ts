// End to end, an RFC 9990 report on its report page: the real `dmarc serve`, the fixture uploaded through the API,
// the page driven by Chromium. The extension elements are listed as XML text with the record they sit in, the
// reporter's error and the override comment carry their lang, the policy_test_mode reason has its label, and the
// missing-selector warning is shown. At 1,280 and 1,920 px without horizontal overflow; screenshots in
// test-output/e2e/rfc9990-report-*.png. No console errors.
import fs from 'node:fs';
import path from 'node:path';
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
const WIDTHS = [1280, 1920] as const;
const FIXTURE = new URL('../fixtures/rfc9990/full.xml', import.meta.url);

describe.skipIf(!haveChromium)('an RFC 9990 report page in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  let reportId: number;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    const r = await fetch(`${server.url}${p}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const form = new FormData();
    form.append('files', new Blob([fs.readFileSync(FIXTURE)]), 'full.xml');
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 120) throw new Error('the uploaded file was not processed within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const list = await api<{ items: { id: number; reportId: string }[] }>('/api/reports?period=all');
    reportId = list.items.find((r) => r.reportId === 'rfc9990-full')!.id;
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

  it('lists the extensions, the langs, the policy_test_mode reason and the warning', async () => {
    await page.goto(`${server.url}/reports/${reportId}`);
    const ext = page.locator('[data-testid="report-extensions"]');
    await ext.waitFor();
    expect(await ext.locator('h3').textContent()).toBe('Extensions (2)');
    expect(await ext.locator('li > span').allTextContents()).toEqual(['Report', 'Record 1']);
    expect(await ext.locator('pre').allTextContents()).toEqual([
      '<arc:arc-override xmlns:arc="urn:example:dmarc-ext:arc">never</arc:arc-override>',
      '<arc:arc-results xmlns:arc="urn:example:dmarc-ext:arc"><arc:chain instance="1">fail</arc:chain></arc:arc-results>',
    ]);
    const error = page.locator('li', { hasText: 'sp tag has an unknown value' });
    expect(await error.getAttribute('lang')).toBe('en');
    const reason = page.locator('.record-override .reason');
    expect(await reason.locator('strong').textContent()).toBe('Policy test mode');
    expect(await reason.locator('span[lang="en"]').textContent()).toBe(' — t=y');
    expect(await page.locator('li', { hasText: 'has no selector (RFC 9990 requires one)' }).count()).toBe(1);

    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SHOTS_DIR, `rfc9990-report-${width}.png`), fullPage: true });
      const overflow = await page.evaluate(() => {
        const el = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document.documentElement;
        return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
      });
      expect(overflow.scrollWidth, `at ${width} px`).toBeLessThanOrEqual(overflow.clientWidth + 1);
    }
    expect(consoleErrors).toEqual([]);
  });
});
