// End to end, the Domain page (readiness): the real `dmarc serve` with a report of yesterday for
// advice.example — mail that aligns, mail from a relay named as our own (a sender rule) that fails, and spoofing —
// driven by Chromium. From the Overview's domain table to the Domain page: its tab strip, the verdict, plan,
// simulation and blocking senders as the API answers them, the classes chart drawn, a class's drill-down and its
// link to the Sources page filtered to the sender. Screenshots at 1,280 and 1,920 px (test-output/e2e/advice-*),
// nothing wider than the window, no console errors.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviceReportXml } from '../support/advice-report.js';
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
const DOMAIN = 'advice.example';

interface AdviceBody {
  verdict: string;
  messages: number;
  simulation: { reject: { messages: number; legitimate: number; other: number } };
  blocking: { sender: string; fix: string }[];
  plan: { id: string; status: string }[];
}

describe.skipIf(!haveChromium)('Domain page in Chromium', () => {
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
  const shot = (name: string): Promise<void> =>
    shotAtWidths(page, `advice-${name}`, () =>
      page.locator('[data-chart="advice-classes"] .chart-canvas[data-drawn="true"]').waitFor(),
    );

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const day = new Date();
    day.setUTCHours(0, 0, 0, 0);
    const xml = adviceReportXml({
      reportId: 'e2e-advice-1',
      domain: DOMAIN,
      begin: day.getTime() / 1000 - 86_400,
      records: [
        { ip: '192.0.2.10', count: 900, dkim: [{ d: DOMAIN }], spf: [{ d: DOMAIN }] },
        { ip: '198.51.100.25', count: 40, evaluated: ['fail', 'fail'] },
        { ip: '203.0.113.66', count: 60, evaluated: ['fail', 'fail'] },
        { ip: '203.0.113.67', count: 7, evaluated: ['fail', 'fail'], reasons: ['forwarded'] },
      ],
    });
    const form = new FormData();
    form.append('files', new Blob([xml]), 'advice.xml');
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 120) throw new Error('the uploaded file was not processed within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    await api(`/api/domains/${DOMAIN}/senders`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'cidr', value: '198.51.100.0/24', verdict: 'own', name: 'our relays' }),
    });
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

  it('goes from the Overview domain table to the Domain page, which shows what the API answers', async () => {
    await page.locator('[data-chart="domains"] details.chart-table summary').click();
    await page.locator('[data-chart="domains"] details.chart-table').getByRole('link', { name: DOMAIN }).click();
    await page.waitForURL(`**/domains/${DOMAIN}`);
    const verdict = page.getByTestId('advice-verdict');
    await verdict.waitFor();
    const a = await api<AdviceBody>(`/api/domains/${DOMAIN}/advice?${await periodQuery(page)}`);
    expect(a.messages).toBe(1_007);
    // 40 legitimate (our relays) of 1,007: 4 % — not ready
    expect(a.verdict).toBe('not_ready');
    expect(await verdict.getAttribute('data-verdict')).toBe(a.verdict);
    // the tab strip, with Readiness as the current view
    const tab = page.getByTestId('domain-tabs').getByRole('link', { name: 'Readiness' });
    expect(await tab.getAttribute('aria-current')).toBe('page');
    // plan, simulation and blocking senders as the API has them
    const steps = page.getByTestId('advice-plan').locator('> li');
    expect(await steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(
      a.plan.map((s) => s.status),
    );
    const sim = page.getByTestId('advice-simulation');
    const rejectRow = sim.locator('tbody tr').nth(1);
    expect(await rejectRow.locator('td').allInnerTexts()).toEqual(
      expect.arrayContaining([String(a.simulation.reject.messages), String(a.simulation.reject.legitimate)]),
    );
    const blocking = page.getByTestId('advice-blocking');
    expect(await blocking.innerText()).toContain('our relays');
    expect(await blocking.innerText()).toContain(a.blocking[0]!.fix);
    await shot('domain');
  });

  it('drills down from a class to its senders and on to the Sources page', async () => {
    await page.locator('.class-buttons button[data-class="spoofing"]').click();
    const drill = page.getByTestId('class-drill');
    await drill.waitFor();
    expect(await drill.innerText()).toContain('60 messages'); // the 7 with a forwarding reason are forwarded
    await shot('drill');
    await drill.getByRole('link').first().click();
    await page.waitForURL('**/sources?**');
    const url = new URL(page.url());
    expect(url.searchParams.get('domain')).toBe(DOMAIN);
    expect(url.searchParams.get('dmarc')).toBe('fail');
    expect(url.searchParams.get('sender')).toBeTruthy();
    await page.goBack();
    await page.getByTestId('advice-verdict').waitFor();
  });

  it('an unknown domain says so', async () => {
    await page.goto(`${server.url}/domains/unknown.example`);
    await page.getByTestId('domain-missing').waitFor();
    // the refused request is the page's 404, which the browser logs: not an error of the page
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('404')));
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});

/** The period the page asked for (its default: the last 30 days), as the API query. */
async function periodQuery(page: Page): Promise<string> {
  void page;
  const today = new Date();
  const to = today.toISOString().slice(0, 10);
  const from = new Date(today.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  return `from=${from}&to=${to}`;
}
