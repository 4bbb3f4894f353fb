// End to end: the real `dmarc serve` (fresh data dir, loopback port) driven by Debian's Chromium through
// playwright-core. Logs in, uploads corpus files through the page, checks the overview's headline figures
// against the API (all data, then a domain filter that must survive a reload and the back button), opens a
// report from the list, checks that a viewer sees no upload, and that no page logged a console error. Then a second
// organisation (created and filled through the API): the switcher for a platform administrator, the other
// organisation's figures under /o/<slug>/, a shared /o/<slug>/ link after login, nothing of organisations for a user
// of one, and the organisations page creating one and adding its members.
// Screenshots of every page go to test-output/e2e/ (ignored by git).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_DIR, readManifest } from '../support/manifest.js';
import {
  SHOTS_DIR,
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
const VIEWER = { email: 'viewer@example.com', password: 'e2e-viewer-password-1234' };
const OTHER = { slug: 'globex', name: 'Globex Corporation' };
const OUT = SHOTS_DIR;
// A period that holds all the corpus reports with a readable date, given as a custom range so that the test
// knows the exact API query behind the page.
const FROM = '2000-01-01';
const TO = '2025-12-31';

describe.skipIf(!haveChromium)('dashboard in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let authEnabled = true;
  let token: string | undefined;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', ...(init.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await fetch(`${server.url}${p}`, { ...init, headers });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  };

  /** Waits until the overview shows its figures and every chart is drawn (or says it has no data). */
  const overviewReady = async (): Promise<void> => {
    await page.locator('[data-figure="messages"]').waitFor();
    // Runs in the page (a function, not a string: the CSP forbids eval). This file has no DOM types.
    await page.waitForFunction(
      () => {
        type El = { querySelector(s: string): unknown };
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
        const charts = Array.from(doc.querySelectorAll('[data-chart]'));
        return (
          charts.length >= 8 &&
          charts.every(
            (c) => c.querySelector('.chart-canvas[data-drawn="true"]') || c.querySelector('[data-chart-empty]'),
          )
        );
      },
      undefined,
      { timeout: 30_000 },
    );
  };

  const figuresOnPage = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const k of ['messages', 'compliance', 'failures', 'sources', 'domains']) {
      out[k] = (await page.locator(`[data-figure="${k}"]`).getAttribute('data-value')) ?? '';
    }
    return out;
  };

  const figuresFromApi = async (q: string, org?: string): Promise<Record<string, string>> => {
    const t = await api<{
      current: { messages: number; complianceRate: number | null; dmarcFail: number; sources: number; domains: number };
    }>(`${org ? `/api/orgs/${org}` : '/api'}/rollup/trends?${q}`);
    return {
      messages: String(t.current.messages),
      compliance: t.current.complianceRate === null ? '' : String(t.current.complianceRate),
      failures: String(t.current.dmarcFail),
      sources: String(t.current.sources),
      domains: String(t.current.domains),
    };
  };

  const login = (who: { email: string; password: string }): Promise<void> => signIn(page, who);

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    server = await startServer(ADMIN);
    authEnabled =
      (
        await fetch(`${server.url}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status !== 404;
    if (authEnabled) {
      const r = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      expect(r.status).toBe(200);
      token = ((await r.json()) as { accessToken: string }).accessToken;
    } else {
      console.warn('the server has no /auth routes yet: login and role checks are skipped');
    }
    ({ page, close: closeBrowser } = await launchBrowser());
    page.on('console', (m) => {
      // Without /auth (before the auth module), the app finds out through a 404 the browser logs.
      if (!authEnabled && m.text().includes('404')) return;
      // The deliberately refused login (first test) is a 401 the browser logs; its console message may arrive
      // late, so it is recognised by the resource it is about rather than by when it comes.
      if (m.text().includes('401') && m.location().url.endsWith('/auth/login')) return;
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
  });

  it('logs in and shows the fresh-install overview', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('#login-email').waitFor();
    await shot('login');
    if (!authEnabled) {
      // A server without /auth: the login form finds no sign-in and opens the dashboard.
      await login(ADMIN);
    } else {
      await page.locator('#login-email').fill(ADMIN.email);
      await page.locator('#login-password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /password|credential|e-mail/i })
        .waitFor();
      await login(ADMIN);
    }
    await page.getByText('No reports yet').waitFor();
    await page.getByRole('link', { name: 'Upload report files' }).waitFor();
    await shot('overview-empty');
  });

  it('uploads corpus files through the page', { timeout: 180_000 }, async () => {
    const files = readManifest()
      .filter((r) => r.kind === 'aggregate')
      .map((r) => path.join(CORPUS_DIR, r.path));
    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-input').setInputFiles(files);
    await page.getByRole('button', { name: /^Upload \d+ files$/ }).click();
    await page.getByText(/^Done:/).waitFor({ timeout: 150_000 });
    const states = await page
      .locator('[data-testid="upload-results"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(states).toHaveLength(files.length);
    expect(states.filter((s) => s === 'processed').length).toBeGreaterThan(files.length / 2);
    // the words of the Ingestion page: every file was stored, so none is "rejected"; recovered ones say so
    expect(states.every((s) => ['processed', 'duplicate', 'unsupported', 'failed'].includes(s ?? ''))).toBe(true);
    const results = page.locator('[data-testid="upload-results"]');
    expect(await results.getByText('recovered', { exact: true }).count()).toBeGreaterThan(0);
    // nothing is waiting: the button does not offer to upload "0 files"
    await expect.poll(() => page.locator('.upload-bar button').first().textContent()).toBe('Upload');
    await shot('upload');
  });

  it("shows the API's headline figures and draws every chart", async () => {
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    const shown = await figuresOnPage();
    expect(shown).toEqual(await figuresFromApi(`from=${FROM}&to=${TO}`));
    expect(Number(shown.messages)).toBeGreaterThan(1000);
    expect(await page.locator('[data-figure="messages"] .figure-value').textContent()).toBe(
      Number(shown.messages).toLocaleString('en-US'),
    );
    expect(await page.locator('.chart-canvas[data-drawn="true"]').count()).toBeGreaterThanOrEqual(8);
    await shot('overview');
  });

  it('applies a domain filter everywhere, keeps it in the URL across a reload, and undoes it with Back', async () => {
    await page.locator('#f-domain').selectOption('example.com');
    await page.waitForURL(/domain=example\.com/);
    await overviewReady();
    const expected = await figuresFromApi(`domain=example.com&from=${FROM}&to=${TO}`);
    await expect.poll(figuresOnPage).toEqual(expected);
    const all = await figuresFromApi(`from=${FROM}&to=${TO}`);
    expect(expected.messages).not.toBe(all.messages);
    expect(expected.domains).toBe('1');

    await page.reload();
    await overviewReady();
    expect(await page.locator('#f-domain').inputValue()).toBe('example.com');
    expect(await figuresOnPage()).toEqual(expected);

    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('domain='));
    await overviewReady();
    await expect.poll(figuresOnPage).toEqual(all);
  });

  it('opens a report from the sortable list', async () => {
    await page.goto(`${server.url}/reports?from=${FROM}&to=${TO}`);
    await page.locator('table.data tbody tr').first().waitFor();
    await page.getByRole('button', { name: /Messages/ }).click();
    await page.waitForURL(/sort=messages/);
    await page.locator('th[aria-sort="descending"]', { hasText: 'Messages' }).waitFor();
    // the header follows the URL at once; the rows once the sorted list has come (the old one shows meanwhile)
    await page.locator('table.data[aria-busy="false"]').waitFor();
    const counts = await page.locator('table.data tbody tr td:nth-child(5)').allTextContents();
    const numbers = counts.map((c) => Number(c.replace(/,/g, '')));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    await shot('reports');
    const link = page.locator('table.data tbody tr').first().locator('a');
    const reportId = (await link.textContent()) ?? '';
    await link.click();
    await page.getByRole('heading', { name: /^Report from / }).waitFor();
    await page.getByText(reportId).first().waitFor();
    await page.getByRole('heading', { name: 'Published policy' }).waitFor();
    expect(await page.locator('table.records tbody tr').count()).toBeGreaterThan(0);
    await shot('report-detail');
  });

  it('shows the other pages', async () => {
    await page.goto(`${server.url}/sources?from=${FROM}&to=${TO}`);
    await page.locator('table.data tbody tr').first().waitFor();
    await shot('sources');
    await page.locator('table.data tbody tr').first().locator('a').first().click();
    await page.getByRole('heading', { name: /^Source / }).waitFor();
    await page.locator('table.records tbody tr').first().waitFor();
    await shot('source-detail');
    await page.goto(`${server.url}/tasks`);
    await page.getByRole('heading', { name: 'Ingested files' }).waitFor();
    await page.locator('table.data tbody tr').first().waitFor();
    await shot('tasks');
    if (authEnabled) {
      await page.goto(`${server.url}/settings/users`);
      await page.getByRole('cell', { name: ADMIN.email, exact: true }).waitFor();
      await shot('users');
      await page.goto(`${server.url}/settings/keys`);
      await page.getByLabel('Name').fill('e2e key');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByTestId('secret').waitFor();
      await page.getByRole('cell', { name: 'e2e key', exact: true }).waitFor();
      await shot('keys');
      // an admin revokes a user's key from the users page
      await page.goto(`${server.url}/settings/users`);
      await page.getByRole('button', { name: `API keys of ${ADMIN.email}` }).click();
      const panel = page.locator('section', { has: page.getByRole('heading', { name: `API keys of ${ADMIN.email}` }) });
      await panel.getByRole('cell', { name: 'e2e key', exact: true }).waitFor();
      await shot('user-keys');
      page.once('dialog', (d) => void d.accept());
      await panel.getByRole('button', { name: 'Revoke' }).click();
      await panel.getByText('has no API keys').waitFor();
    }
    // Every chart's figures as a table, whose links drill down like a click on the chart (keyboard users).
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    expect(await page.locator('[data-chart]:not([data-chart^="forecast-"]) details.chart-table').count()).toBe(9);
    // the busiest domain's two forecasts: each its figures as a table, or in words why there is none
    for (const metric of ['messages', 'failure_rate']) {
      const c = page.locator(`[data-chart="forecast-${metric}"]`);
      const tables = await c.locator('details.chart-table').count();
      expect(tables + (await c.locator('[data-chart-empty]').count())).toBe(1);
      if (tables === 1) {
        await c.locator('details.chart-table summary').click();
        expect(await c.locator('.chart-table tbody tr').count()).toBe(7);
        expect(await c.locator('.chart-foot').textContent()).toMatch(/Holt–Winters|seasonal naive/);
      }
    }
    await page.locator('[data-chart="sources"] summary').click();
    const ip = (await page.locator('[data-chart="sources"] .chart-table tbody th a').first().textContent()) ?? '';
    await page.locator('[data-chart="sources"] .chart-table tbody th a').first().click();
    await page.getByRole('heading', { name: `Source ${ip}` }).waitFor();
    // an override reason leads to the reports that have records overridden for it
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    await page.locator('[data-chart="overrides"] summary').click();
    await page.locator('[data-chart="overrides"] .chart-table tbody th a').first().click();
    await page.getByText('Only reports with records overridden as').waitFor();
    await page.locator('table.data tbody tr').first().waitFor();
    expect(new URL(page.url()).searchParams.get('reason')).toBeTruthy();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    await shot('overview-phone');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('shows the senders, expands one to its addresses, opens a source page, and filters by country', async () => {
    await page.goto(`${server.url}/senders?from=${FROM}&to=${TO}`);
    const rows = page.locator('table.senders tbody tr[data-sender]');
    await rows.first().waitFor();
    // every message has a sender: the senders' messages add up to the overview's
    const total = await api<{ messages: number }>(`/api/rollup/summary?from=${FROM}&to=${TO}`);
    const senders = await api<{ items: { messages: number }[] }>(
      `/api/rollup/senders?from=${FROM}&to=${TO}&limit=1000`,
    );
    expect(senders.items.reduce((a, x) => a + x.messages, 0)).toBe(total.messages);
    expect(await rows.count()).toBe(Math.min(50, senders.items.length));
    await rows.first().locator('button.expand').click();
    await page.locator('tr.expanded table tbody tr').first().waitFor();
    await shot('senders');
    await page.locator('tr.expanded table tbody tr a').first().click();
    await page.getByRole('heading', { name: /^Source / }).waitFor();
    await page.locator('#src-who').waitFor();
    await page.locator('table.records tbody tr').first().waitFor();
    await shot('source-page');
    // the about box carries the IP data attribution
    await page.locator('footer details.about summary').click();
    await page.getByText('IP Geolocation by DB-IP').first().waitFor();
    // the map's table links filter the overview by a country, shown as a chip that removes it
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    await page.locator('[data-chart="country-map"] summary').click();
    const link = page.locator('[data-chart="country-map"] .chart-table tbody a').first();
    if ((await link.count()) > 0) {
      await link.click();
      await page.locator('.source-chips .chip').first().waitFor();
      expect(new URL(page.url()).searchParams.get('country')).toMatch(/^[A-Z]{2}$/);
      await page.locator('.source-chips .chip').first().click();
      await page.waitForURL((u) => !u.searchParams.has('country'));
    }
  });

  it('hides upload from a viewer (and the API refuses it)', async (ctx) => {
    if (!authEnabled) ctx.skip();
    await api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: VIEWER.email, name: 'Vera Viewer', role: 'viewer', password: VIEWER.password }),
    });
    await page.goto(`${server.url}/`);
    // the page's requests answered first: signed out while they run, they end in 401s (console errors)
    await page.waitForLoadState('networkidle');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-email').waitFor();
    // Signed out, a deep link leads to the login page, and after it to the page asked for.
    await page.goto(`${server.url}/sources?from=${FROM}&to=${TO}`);
    await page.waitForURL(/\/login\?next=/);
    await login(VIEWER);
    await page.waitForURL((u) => u.pathname === '/sources' && u.search.includes(`from=${FROM}`));
    await page.locator('table.data tbody tr').first().waitFor();
    await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
    await overviewReady();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).count()).toBe(0);
    await page.goto(`${server.url}/upload`);
    await page.getByText(/needs the analyst or admin role/).waitFor();
    expect(await page.locator('#upload-input').count()).toBe(0);
    await shot('viewer-upload');
    const res = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(VIEWER),
    });
    const viewerToken = ((await res.json()) as { accessToken: string }).accessToken;
    const form = new FormData();
    form.append('files', new Blob(['<feedback/>']), 'x.xml');
    const refused = await fetch(`${server.url}/api/upload`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(refused.status).toBe(403);
  });

  describe('organisations', () => {
    // One report of known size in the second organisation (ground truth from the manifest).
    const one = readManifest().find((r) => r.kind === 'aggregate' && r.path === 'DMARCReporting/report.xml.gz')!;
    const oneMessages = (one.expected as { count_sum: number }).count_sum;

    const signOut = async (): Promise<void> => {
      await page.waitForLoadState('networkidle');
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.locator('#login-email').waitFor();
    };

    const noOrganisationWords = async (): Promise<void> => {
      const text = await page.locator('body').innerText();
      expect(text).not.toMatch(/organi[sz]ation/i);
      expect(await page.locator('#org-switch').count()).toBe(0);
    };

    it('holds a second organisation, created through the API, with one report', async (ctx) => {
      if (!authEnabled) ctx.skip();
      await api('/api/orgs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(OTHER),
      });
      const form = new FormData();
      form.append('files', new Blob([fs.readFileSync(one.absPath)]), path.basename(one.path));
      await api(`/api/orgs/${OTHER.slug}/upload`, { method: 'POST', body: form });
      await expect
        .poll(
          async () =>
            (await api<{ items: { status: string }[] }>(`/api/orgs/${OTHER.slug}/files`)).items.map((f) => f.status),
          { timeout: 30_000 },
        )
        .toEqual(['processed']);
    });

    it('shows a user of one organisation nothing of organisations', async (ctx) => {
      if (!authEnabled) ctx.skip();
      // still signed in as the viewer, a member of the default organisation only
      await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
      await overviewReady();
      await noOrganisationWords();
      await page.goto(`${server.url}/settings/keys`);
      await page.getByRole('heading', { name: 'Your keys' }).waitFor();
      await noOrganisationWords();
      // a link naming their organisation opens as the plain page
      await page.goto(`${server.url}/o/default/reports?from=${FROM}&to=${TO}`);
      await page.waitForURL((u) => u.pathname === '/reports');
      await page.locator('table.data tbody tr').first().waitFor();
      await noOrganisationWords();
      // one they are not a member of says so, and leads back
      await page.goto(`${server.url}/o/${OTHER.slug}/reports`);
      await page.getByRole('heading', { name: `You have no access to the organisation '${OTHER.slug}'` }).waitFor();
      await page.getByRole('link', { name: 'Go to your dashboard' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await signOut();
    });

    it("gives a platform administrator a switcher that shows the other organisation's figures", async (ctx) => {
      if (!authEnabled) ctx.skip();
      await page.goto(`${server.url}/?from=${FROM}&to=${TO}`);
      await login(ADMIN);
      // a user of several organisations always sees which one: the URL names it
      await page.waitForURL((u) => u.pathname === '/o/default' && u.search.includes(`from=${FROM}`));
      await overviewReady();
      const switcher = page.getByLabel('Organisation', { exact: true });
      expect(await switcher.inputValue()).toBe('default');
      expect(await switcher.locator('option').allTextContents()).toEqual([
        'Default organisation (admin)',
        `${OTHER.name} (admin)`,
      ]);
      const before = await figuresOnPage();
      await page.locator('header.topbar').screenshot({ path: path.join(OUT, 'header-switcher.png') });

      await switcher.selectOption(OTHER.slug);
      await page.waitForURL((u) => u.pathname === `/o/${OTHER.slug}` && u.search.includes(`from=${FROM}`));
      await overviewReady();
      const expected = await figuresFromApi(`from=${FROM}&to=${TO}`, OTHER.slug);
      await expect.poll(figuresOnPage).toEqual(expected);
      expect(expected.messages).toBe(String(oneMessages));
      expect(expected.messages).not.toBe(before.messages);
      await shot('overview-other-org');

      // links stay in the organisation; a report of it becomes the report list of the next one
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
      await page.waitForURL((u) => u.pathname === `/o/${OTHER.slug}/reports`);
      await page.locator('table.data tbody tr').first().waitFor();
      expect(await page.locator('table.data tbody tr').count()).toBe(1);
      await page.locator('table.data tbody tr').first().locator('a').first().click();
      await page.waitForURL(new RegExp(`/o/${OTHER.slug}/reports/\\d+`));
      await page.getByRole('heading', { name: /^Report from / }).waitFor();
      await switcher.selectOption('default');
      await page.waitForURL((u) => u.pathname === '/o/default/reports' && u.search.includes(`from=${FROM}`));
      await page.locator('table.data tbody tr').nth(1).waitFor();
    });

    it('opens a shared /o/<slug>/ link after login, and says when the organisation is not yours', async (ctx) => {
      if (!authEnabled) ctx.skip();
      await signOut();
      await page.goto(`${server.url}/o/${OTHER.slug}/reports?from=${FROM}&to=${TO}`);
      await page.waitForURL(/\/login\?next=/);
      await login(ADMIN);
      await page.waitForURL((u) => u.pathname === `/o/${OTHER.slug}/reports` && u.search.includes(`from=${FROM}`));
      await page.locator('table.data tbody tr').first().waitFor();
      expect(await page.locator('table.data tbody tr').count()).toBe(1);
      expect(await page.getByLabel('Organisation', { exact: true }).inputValue()).toBe(OTHER.slug);

      await page.goto(`${server.url}/o/no-such-org/`);
      await page.getByRole('heading', { name: "You have no access to the organisation 'no-such-org'" }).waitFor();
      await shot('org-no-access');
      await page.getByRole('link', { name: 'Go to Default organisation' }).click();
      await page.waitForURL((u) => u.pathname === '/o/default');
    });

    it('creates an organisation and adds its members on the organisations page', async (ctx) => {
      if (!authEnabled) ctx.skip();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organisations' }).click();
      await page.waitForURL((u) => u.pathname === '/o/default/settings/organizations');
      await page.getByRole('cell', { name: OTHER.slug, exact: true }).waitFor();
      // the slug is checked as the server checks it
      await page.getByLabel('Name', { exact: true }).fill('Initech Ltd');
      expect(await page.locator('#org-slug').inputValue()).toBe('initech-ltd');
      await page.locator('#org-slug').fill('Initech Ltd');
      await page.getByRole('button', { name: 'Create organisation' }).click();
      await page.getByRole('alert').filter({ hasText: 'cannot be a slug' }).waitFor();
      await page.locator('#org-slug').fill('initech');
      await page.getByRole('button', { name: 'Create organisation' }).click();
      await page.getByRole('status').filter({ hasText: 'Created Initech Ltd.' }).waitFor();
      await page.getByRole('rowheader', { name: 'Initech Ltd' }).waitFor();
      // the switcher knows it at once
      await expect.poll(() => page.locator('#org-switch option').count()).toBe(3);
      await shot('organizations');

      await page.getByRole('link', { name: 'Members and settings of Initech Ltd' }).click();
      await page.getByRole('heading', { name: 'Members of Initech Ltd' }).waitFor();
      await page.getByText('No members yet').waitFor();
      // an existing user by e-mail
      const members = page.locator('section', { has: page.getByRole('heading', { name: 'Members of Initech Ltd' }) });
      await members.getByLabel('E-mail').fill(VIEWER.email);
      await members.locator('form').getByLabel(/^Role/).selectOption('analyst');
      await members.getByRole('button', { name: 'Add member' }).click();
      await members.getByRole('cell', { name: VIEWER.email, exact: true }).waitFor();
      // and a new one
      await members.getByLabel('A new user').check();
      await members.getByLabel('E-mail').fill('ingrid@initech.example');
      await members.getByLabel('Name', { exact: true }).fill('Ingrid Initech');
      await members.getByLabel(/^Password/).fill('ingrid-password-1234');
      await members.locator('form').getByLabel(/^Role/).selectOption('viewer');
      await members.getByRole('button', { name: 'Create and add' }).click();
      await members.getByRole('cell', { name: 'ingrid@initech.example', exact: true }).waitFor();
      await shot('organization-members');
      const listed = await api<{ items: { email: string; role: string }[] }>('/api/orgs/initech/members');
      expect(listed.items.map((m) => [m.email, m.role]).sort()).toEqual([
        ['ingrid@initech.example', 'viewer'],
        [VIEWER.email, 'analyst'],
      ]);

      // renamed, then deleted after typing its slug
      const names = page.locator('section', { has: page.getByRole('heading', { name: 'Name and slug' }) });
      await names.getByLabel('Name').fill('Initech');
      await names.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved: Initech (initech).' }).waitFor();
      await page.getByRole('heading', { name: 'Members of Initech', exact: true }).waitFor();
      const remove = page.getByRole('button', { name: 'Delete Initech' });
      expect(await remove.isDisabled()).toBe(true);
      await page.getByLabel('Type initech to confirm').fill('initech');
      await remove.click();
      await page.waitForURL((u) => u.pathname === '/o/default/settings/organizations');
      await page.getByRole('rowheader', { name: OTHER.name }).waitFor();
      expect(await page.getByRole('rowheader', { name: 'Initech' }).count()).toBe(0);
      await expect.poll(() => page.locator('#org-switch option').count()).toBe(2);
    });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
