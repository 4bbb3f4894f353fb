// End to end, the SIEM outputs page: the real `dmarc serve`, driven by Chromium. An admin adds a webhook output
// (a local HTTP server) through the form — a bad syslog port is refused at its field first — sends a test event
// (signed with the secret), uploads a report and sees the output's state, backlog and counts move as
// forward-events sends it; renames the output without retyping the secret (the next test is still signed with
// it), disables it. Screenshots at 1,280 and 1,920 px in test-output/e2e/outputs-*.png. No console errors.
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportXml } from '../support/report-xml.js';
import {
  apiToken,
  chromiumAvailable,
  ensureBuilt,
  launchBrowser,
  recordingServer,
  shotAtWidths,
  signIn,
  startServer,
  stopServer,
  type Server,
} from '../support/e2e.js';

const haveChromium = chromiumAvailable();
const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password-1234' };
const SECRET = 'outputs-e2e-signing-secret';

interface OutputAnswer {
  id: number;
  name: string;
  state: string;
  backlog: number;
  sent: number;
  enabled: boolean;
}

describe.skipIf(!haveChromium)('SIEM outputs page in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  let hook: Awaited<ReturnType<typeof recordingServer>>;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    const r = await fetch(`${server.url}${p}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const signed = (r: { headers: Record<string, unknown>; body: string }): boolean =>
    r.headers['x-dmarc-signature'] === `sha256=${crypto.createHmac('sha256', SECRET).update(r.body).digest('hex')}`;

  beforeAll(async () => {
    ensureBuilt();
    hook = await recordingServer();
    // the receiver listens on loopback, which the server refuses as a target unless told otherwise
    process.env.DMARC_WEBHOOK_ALLOW_PRIVATE = 'true';
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    ({ page, close: closeBrowser } = await launchBrowser({ width: 1280, height: 900 }));
    page.on('console', (m) => {
      // the deliberately refused request (a bad port) is a 400 the browser logs
      if (m.text().includes('400')) return;
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
    await hook?.close();
    delete process.env.DMARC_WEBHOOK_ALLOW_PRIVATE;
  });

  it('is a tab of the settings and says what outputs are when there is none', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'SIEM outputs' }).click();
    await page.getByRole('heading', { name: 'New output' }).waitFor();
    await page.getByText('No outputs yet').waitFor();
    await shotAtWidths(page, 'outputs-empty');
  });

  it('refuses a bad port at its field, then adds a webhook output', async () => {
    await page.getByLabel('Name', { exact: true }).fill('syslog');
    await page.locator('#output-type').selectOption('syslog');
    await page.getByLabel('Host', { exact: true }).fill('siem.example');
    await page.getByLabel('Port', { exact: false }).first().fill('70000');
    await page.getByRole('button', { name: 'Add output' }).click();
    await page.locator('#err-config\\.port').waitFor();
    expect(await page.locator('#err-config\\.port').textContent()).toMatch(/1 to 65535/);
    expect((await api<{ items: unknown[] }>('/api/outputs')).items).toEqual([]);

    await page.getByLabel('Name', { exact: true }).fill('SOC webhook');
    await page.locator('#output-type').selectOption('webhook');
    await page.getByLabel('URL', { exact: true }).fill(`${hook.url}/ingest/secret-path`);
    await page.getByLabel(/Signing secret/).fill(SECRET);
    await page.getByRole('button', { name: 'Add output' }).click();
    const row = page.locator('[data-testid="outputs-table"] tbody tr', { hasText: 'SOC webhook' });
    await row.waitFor();
    expect(await row.textContent()).toContain('nothing sent yet');
    // the URL's path (often the credential) and the secret are masked
    expect(await row.textContent()).not.toContain('secret-path');
    expect(await row.textContent()).not.toContain(SECRET);
  });

  it('sends a signed test event', async () => {
    const [o] = (await api<{ items: OutputAnswer[] }>('/api/outputs')).items;
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.locator(`[data-testid="test-${o!.id}"]`, { hasText: 'taken' }).waitFor();
    const test = hook.requests.at(-1)!;
    expect(test.path).toBe('/ingest/secret-path');
    expect(signed(test)).toBe(true);
    expect(JSON.stringify(JSON.parse(test.body))).toContain('"test":true');
  });

  it('forwards an uploaded report and shows the output sent it', async () => {
    const before = hook.requests.length;
    const form = new FormData();
    form.append('files', new Blob([reportXml({ reportId: 'e2e-out-1', ips: ['192.0.2.1', '192.0.2.2'] })]), 'r.xml');
    await api('/api/upload', { method: 'POST', body: form });
    // forward-events runs a few seconds after the report is stored
    for (let round = 0; ; round++) {
      const [o] = (await api<{ items: OutputAnswer[] }>('/api/outputs')).items;
      if (o!.sent === 1 && o!.backlog === 0) break;
      if (round > 120) throw new Error(`the report was not forwarded within 60 s: ${JSON.stringify(o)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const batches = hook.requests.slice(before);
    const events = batches.flatMap((b) => (JSON.parse(b.body) as { events: { source_ip_address: string }[] }).events);
    expect(events.map((e) => e.source_ip_address).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(batches.every(signed)).toBe(true);
    await page.reload();
    const row = page.locator('[data-testid="outputs-table"] tbody tr', { hasText: 'SOC webhook' });
    await row.locator('.badge', { hasText: 'ok' }).waitFor();
    const cells = await row.locator('td.num').allTextContents();
    expect(cells).toEqual(['0', '1', '0']);
    await shotAtWidths(page, 'outputs-list');
  });

  it('renames without retyping the secret, and disables', async () => {
    await page.getByRole('button', { name: 'Edit SOC webhook' }).click();
    await page.getByRole('heading', { name: 'Edit “SOC webhook”' }).waitFor();
    // secrets are never put in the form
    expect(await page.getByLabel(/Signing secret/).inputValue()).toBe('');
    expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe('');
    await shotAtWidths(page, 'outputs-edit');
    await page.getByLabel('Name', { exact: true }).fill('SOC webhook (prod)');
    await page.getByRole('button', { name: 'Save output' }).click();
    const row = page.locator('[data-testid="outputs-table"] tbody tr', { hasText: 'SOC webhook (prod)' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Send test' }).click();
    await row.getByText('Test: taken').waitFor();
    const test = hook.requests.at(-1)!;
    expect(test.path).toBe('/ingest/secret-path');
    expect(signed(test)).toBe(true);
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.locator('.badge', { hasText: 'disabled' }).waitFor();
    const [o] = (await api<{ items: OutputAnswer[] }>('/api/outputs')).items;
    expect(o).toMatchObject({ name: 'SOC webhook (prod)', enabled: false, state: 'disabled' });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
