// End to end, the alerting pages: the real `dmarc serve` with a report of yesterday in which most mail fails
// DMARC, driven by Chromium. An admin fills the rule form (a bad parameter is refused at its field), previews
// what the rule would fire on, creates it, runs the check from the Alerts page; the navigation's badge counts
// the open alert; the alert is acknowledged with a note, opened (history), resolved; a suppression with a bad
// cron expression is refused with the server's reason, a good one listed and edited; a webhook channel (a local
// HTTP server) is added, tested and named in the rule; an e-mail digest is refused with a bad recipient, added,
// changed and sent now to an SMTP server on loopback; a viewer changes nothing. Every page at 1,280 and 1,920 px,
// screenshots in test-output/e2e/alerts-*.png. No console errors.
import crypto from 'node:crypto';
import fs from 'node:fs';
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
  recordingServer,
  shotAtWidths,
} from '../support/e2e.js';
import { startSmtp, type MailSink } from '../alerts/servers.js';

const haveChromium = chromiumAvailable();

const ADMIN = { email: 'admin@example.com', password: 'e2e-admin-password-1234' };
const WIDTHS = [1280, 1920] as const;

/** An aggregate report of yesterday (UTC) for alerts.example: 300 messages pass, 700 fail DMARC. */
function failingReport(): string {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const begin = day.getTime() / 1000 - 86_400;
  const record = (ip: string, count: number, result: 'pass' | 'fail') => `  <record>
    <row><source_ip>${ip}</source_ip><count>${count}</count>
      <policy_evaluated><disposition>none</disposition><dkim>${result}</dkim><spf>${result}</spf></policy_evaluated></row>
    <identifiers><header_from>alerts.example</header_from></identifiers>
    <auth_results><dkim><domain>alerts.example</domain><result>${result}</result></dkim>
      <spf><domain>alerts.example</domain><result>${result}</result></spf></auth_results>
  </record>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>reporter.test</org_name><email>r@reporter.test</email>
    <report_id>e2e-alerts-1</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>alerts.example</domain><p>none</p><pct>100</pct></policy_published>
${record('192.0.2.10', 300, 'pass')}
${record('198.51.100.20', 700, 'fail')}
</feedback>
`;
}

describe.skipIf(!haveChromium)('alerting pages in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  let hook: Awaited<ReturnType<typeof recordingServer>>;
  let smtp: MailSink;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    const r = await fetch(`${server.url}${p}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const shot = (name: string): Promise<void> => shotAtWidths(page, `alerts-${name}`);

  beforeAll(async () => {
    ensureBuilt();
    hook = await recordingServer();
    // the test webhook listens on loopback, which the server refuses as a target unless told otherwise
    process.env.DMARC_WEBHOOK_ALLOW_PRIVATE = 'true';
    smtp = await startSmtp();
    process.env.DMARC_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    process.env.DMARC_SMTP_FROM = 'dmarc@example.com';
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const form = new FormData();
    form.append('files', new Blob([failingReport()]), 'failing.xml');
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 120) throw new Error('the uploaded file was not processed within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      // the deliberately refused requests (a bad parameter, a bad cron expression) are 400s the browser logs
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
    await smtp?.close();
    delete process.env.DMARC_SMTP_URL;
    delete process.env.DMARC_SMTP_FROM;
  });

  it('shows no open alerts and no badge at first', async () => {
    await page.getByRole('link', { name: 'Alerts' }).first().click();
    await page.getByText('No open alerts').waitFor();
    expect(await page.locator('[data-testid="open-alerts"]').count()).toBe(0);
    await shot('empty');
  });

  it('creates a rule through the form: a bad parameter is refused at its field, the preview shows the breach', async () => {
    await page.locator('nav.tabs a', { hasText: 'Rules' }).click();
    await page.getByRole('heading', { name: 'New rule' }).waitFor();
    await page.getByLabel('Name').fill('High failure rate');
    const threshold = page.locator('fieldset.params label', { hasText: 'threshold' }).first().locator('input');
    await threshold.fill('2');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('#err-params\\.threshold').waitFor();
    expect(await page.locator('#err-params\\.threshold').textContent()).toMatch(/at most 1/);
    await threshold.fill('0.5');
    await page.getByRole('button', { name: /Preview/ }).click();
    await page.getByText('1 alert would fire').waitFor();
    expect(await page.locator('.preview table').textContent()).toContain('alerts.example');
    await shot('rule-preview');
    // nothing was stored by the preview
    expect((await api<{ total: number }>('/api/alerts')).total).toBe(0);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('table.data td', { hasText: 'High failure rate' }).waitFor();
    const rules = await api<{ items: { name: string; params: { threshold: number } }[] }>('/api/alerts/rules');
    expect(rules.items).toEqual([
      expect.objectContaining({ name: 'High failure rate', params: expect.objectContaining({ threshold: 0.5 }) }),
    ]);
    await shot('rules');
  });

  it('runs the check from the Alerts page; the badge counts the open alert', async () => {
    await page.locator('nav.tabs a', { hasText: 'Alerts' }).click();
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByText(/1 opened/).waitFor();
    await page.locator('table.alerts-table td', { hasText: 'alerts.example' }).first().waitFor();
    const badge = page.locator('[data-testid="open-alerts"]');
    await badge.waitFor();
    expect(await badge.textContent()).toMatch(/^1/);
    await shot('list');
  });

  it('acknowledges with a note, shows the history, resolves', async () => {
    await page.getByRole('button', { name: 'Acknowledge' }).first().click();
    await page.getByLabel(/with a note/).fill('Looking at the new mail server');
    await page.locator('form.note-form').getByRole('button', { name: 'Acknowledge' }).click();
    // the open list is empty now; the badge goes
    await page.getByText('No open alerts').waitFor();
    await page.locator('[data-testid="open-alerts"]').waitFor({ state: 'detached' });
    await page.getByLabel('State').selectOption('unresolved');
    await page.locator('table.alerts-table a', { hasText: 'alerts.example' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.locator('td', { hasText: 'Looking at the new mail server' }).waitFor();
    await shot('detail');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel(/with a note/).fill('SPF fixed');
    await page.locator('form.note-form').getByRole('button', { name: 'Resolve' }).click();
    await page.locator('td', { hasText: 'SPF fixed' }).waitFor();
    const [alert] = (await api<{ items: { state: string; resolvedBy: string }[] }>('/api/alerts')).items;
    expect(alert).toMatchObject({ state: 'resolved', resolvedBy: ADMIN.email });
  });

  it('refuses a bad cron expression with the server’s reason and lists a good suppression', async () => {
    await page.goto(`${server.url}/alerting/suppressions`);
    await page.getByRole('heading', { name: 'New suppression' }).waitFor();
    await page.getByLabel('Domain', { exact: true }).fill('alerts.example');
    await page.getByLabel(/Recurring/).check();
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByLabel('Reason').fill('weekly maintenance');
    await page.getByRole('button', { name: 'Create suppression' }).click();
    await page.locator('#err-cron').waitFor();
    expect(await page.locator('#err-cron').textContent()).toMatch(/cron/);
    await page.getByLabel('Cron expression').fill('0 2 * * 6');
    await page.getByRole('button', { name: 'Create suppression' }).click();
    await page.locator('table.data td', { hasText: 'weekly maintenance' }).waitFor();
    // edited into a one-off window: the cron expression goes
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel(/Once, from a start/).check();
    await page.getByLabel('Starts (UTC)').fill('2030-01-05T02:00');
    await page.getByLabel('Ends (UTC)').fill('2030-01-05T04:00');
    await page.getByLabel('Reason').fill('one-off maintenance');
    await page.getByRole('button', { name: 'Save suppression' }).click();
    await page.locator('table.data td', { hasText: 'one-off maintenance' }).waitFor();
    const [sup] = (
      await api<{ items: { cron: string | null; startsAt: string; reason: string }[] }>('/api/alerts/suppressions')
    ).items;
    expect(sup).toMatchObject({ cron: null, startsAt: '2030-01-05T02:00:00.000Z', reason: 'one-off maintenance' });
    await shot('suppressions');
  });

  it('adds a webhook channel, sends it a test, and names it in a rule', async () => {
    await page.goto(`${server.url}/alerting/channels`);
    await page.getByRole('heading', { name: 'New channel' }).waitFor();
    await page.getByLabel('Name').fill('ops hook');
    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('Webhook URL').fill('not a url');
    await page.getByLabel('Signing secret').fill('s3cret-s3cret-s3cret');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.locator('#err-config\\.url').waitFor();
    await page.getByLabel('Webhook URL').fill(`${hook.url}/hook/TOKEN-123`);
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.locator('table.data td', { hasText: 'ops hook' }).waitFor();
    expect(await page.locator('main').textContent()).not.toContain('s3cret-s3cret-s3cret');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test: delivered').waitFor();
    expect(hook.requests.length).toBe(1);
    expect(hook.requests[0]!.headers['x-dmarc-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    // edited: a new name and address; the signing secret, left empty, keeps its value
    await page.getByRole('button', { name: 'Edit ops hook' }).click();
    await page.getByRole('heading', { name: 'Edit “ops hook”' }).waitFor();
    expect(await page.getByLabel('Signing secret').inputValue()).toBe('');
    await page.getByLabel('Name').fill('ops hook 2');
    await page.getByLabel('Webhook URL').fill(`${hook.url}/hook/TOKEN-456`);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.getByRole('heading', { name: 'New channel' }).waitFor();
    await page.locator('table.data td', { hasText: 'ops hook 2' }).waitFor();
    expect(await page.getByText(/^Test:/).count()).toBe(0); // the old test's outcome went with the change
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test: delivered').waitFor();
    const second = hook.requests[1]!;
    expect(second.path).toBe('/hook/TOKEN-456');
    const signed = crypto.createHmac('sha256', 's3cret-s3cret-s3cret').update(second.body).digest('hex');
    expect(second.headers['x-dmarc-signature']).toBe(`sha256=${signed}`);
    await page.getByRole('button', { name: 'Edit ops hook 2' }).click();
    await page.getByLabel('Name').fill('ops hook');
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.locator('table.data td', { hasText: /^ops hook$/ }).waitFor();
    await shot('channels');
    await page.goto(`${server.url}/alerting/rules`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('ops hook').check();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('heading', { name: 'New rule' }).waitFor();
    const [rule] = (await api<{ items: { channels: number[] }[] }>('/api/alerts/rules')).items;
    expect(rule!.channels).toHaveLength(1);
  });

  it('adds an e-mail digest (a bad recipient refused at its field), changes it and sends it now', async () => {
    await page.goto(`${server.url}/settings/digests`);
    await page.getByRole('heading', { name: 'New digest' }).waitFor();
    await page.getByLabel('Name').fill('daily summary');
    await page.getByLabel(/^Recipients/).fill('postmaster@example.com, not-an-address');
    await page.getByRole('button', { name: 'Add digest' }).click();
    await page.locator('#err-recipients').waitFor();
    await page.getByLabel(/^Recipients/).fill('postmaster@example.com');
    await page.getByLabel('Cadence').selectOption('daily');
    await page.getByRole('button', { name: 'Add digest' }).click();
    await page.locator('table.data td', { hasText: 'daily summary' }).waitFor();
    // changed: a second recipient; the form is empty again after saving
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Change “daily summary”' }).waitFor();
    await page.getByLabel(/^Recipients/).fill('postmaster@example.com, soc@example.com');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'New digest' }).waitFor();
    await page.locator('table.data td', { hasText: 'soc@example.com' }).waitFor();
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.getByText(/Send now: .*sent to 2 of 2/).waitFor();
    expect(smtp.mails.flatMap((m) => m.to).sort()).toEqual(['postmaster@example.com', 'soc@example.com']);
    const [digest] = (await api<{ items: { recipients: string[]; cadence: string }[] }>('/api/digests')).items;
    expect(digest).toMatchObject({ recipients: ['postmaster@example.com', 'soc@example.com'], cadence: 'daily' });
    await shot('digests');
  });

  it('shows a viewer the alerts and rules, with nothing to change', async () => {
    const viewer = { email: 'viewer@example.com', password: 'e2e-viewer-password-1234' };
    await api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...viewer, name: 'Vera Viewer', role: 'viewer' }),
    });
    // the page's requests answered first: signed out while they run, they end in 401s (console errors)
    await page.waitForLoadState('networkidle');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-email').waitFor();
    await signIn(page, viewer);
    await page.goto(`${server.url}/alerting?state=all`);
    await page.locator('table.alerts-table td', { hasText: 'alerts.example' }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Check now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Acknowledge|Resolve/ }).count()).toBe(0);
    expect(await page.locator('nav.tabs a', { hasText: 'Suppressions' }).count()).toBe(0);
    await page.locator('nav.tabs a', { hasText: 'Rules' }).click();
    await page.locator('table.data td', { hasText: 'High failure rate' }).waitFor();
    expect(await page.getByRole('heading', { name: 'New rule' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Edit|Delete|Disable/ }).count()).toBe(0);
    await shot('viewer-rules');
    await page.goto(`${server.url}/alerting/suppressions`);
    await page.getByText('Managing suppressions needs the admin role.').waitFor();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
