// End to end, the DNS records page (/domains/:domain/dns): the real `dmarc serve` resolving through a DNS server
// on loopback (DMARC_DNS_SERVERS, 127.0.0.53), a report of yesterday for goodmail.com (DKIM selector s1) and one
// for nodmarc.com, driven by Chromium. Never checked at first; "Check now" shows the records and no errors; the
// DMARC record is weakened in the zone and checked again: the history names the change; nodmarc.com shows its
// errors with what to do; a domain of no report says so and a bad name is no page; a viewer sees everything but "Check now".
// Every page at 1,280 and 1,920 px, screenshots in test-output/e2e/dns-*.png. No console errors.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer, type ZoneEntry } from '../support/dns-server.js';
import { DNS_TEST_HOST, testZone } from '../support/dns-zone.js';
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

/** An aggregate report of yesterday (UTC) for `domain`, signed with DKIM selector s1. */
function report(domain: string, id: string): string {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  const begin = day.getTime() / 1000 - 86_400;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>reporter.test</org_name><email>r@reporter.test</email>
    <report_id>${id}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${domain}</domain><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
  <record>
    <row><source_ip>192.0.2.10</source_ip><count>40</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>${domain}</header_from></identifiers>
    <auth_results><dkim><domain>${domain}</domain><selector>s1</selector><result>pass</result></dkim>
      <spf><domain>${domain}</domain><result>pass</result></spf></auth_results>
  </record>
</feedback>
`;
}

describe.skipIf(!haveChromium)('the DNS records page in Chromium', () => {
  let server: Server;
  let dns: TestDnsServer;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  const zone = new Map<string, ZoneEntry>(Object.entries(testZone()));
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    const r = await fetch(`${server.url}${p}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const shot = (name: string): Promise<void> => shotAtWidths(page, `dns-${name}`);

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    dns = await startDnsServer((name) => zone.get(name), { host: DNS_TEST_HOST, record: false });
    process.env.DMARC_DNS_SERVERS = dns.address;
    process.env.DMARC_DNS_TIMEOUT_MS = '1000';
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    const form = new FormData();
    form.append('files', new Blob([report('goodmail.com', 'e2e-dns-1')]), 'good.xml');
    form.append('files', new Blob([report('nodmarc.com', 'e2e-dns-2')]), 'nodmarc.xml');
    await api('/api/upload', { method: 'POST', body: form });
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 120) throw new Error('the uploaded files were not processed within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      // the pages of a domain of no report and of a bad name are a 404 and a 400 the browser logs
      if (/\b(400|404)\b/.test(m.text())) return;
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 180_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
    await dns?.close();
    delete process.env.DMARC_DNS_SERVERS;
    delete process.env.DMARC_DNS_TIMEOUT_MS;
  });

  it('says a domain was never checked, then checks it now: its records, no errors', async () => {
    await page.goto(`${server.url}/domains/goodmail.com/dns`);
    await page.getByText('Not checked yet').waitFor();
    await shot('never-checked');
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByRole('heading', { name: 'Records as found' }).waitFor();
    expect(await page.locator('.dns-summary').textContent()).toMatch(/0 errors, 0 warnings/);
    const records = await page.locator('table.dns-records').textContent();
    expect(records).toContain('v=DMARC1; p=reject');
    expect(records).toContain('1 of 10 DNS lookups');
    expect(await page.locator('table.dns-dkim').textContent()).toMatch(/s1.*RSA, 2048 bits/);
    await shot('good');
  });

  it('a weakened policy is a change in the history', async () => {
    zone.set('_dmarc.goodmail.com', { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@goodmail.com'] });
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.locator('table.dns-history li', { hasText: 'p reject → none' }).waitFor();
    const rows = page.locator('table.dns-history tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('policy weakened');
    // the reports still show p=reject
    await page.locator('table.dns-findings td', { hasText: 'differs from the record in DNS' }).waitFor();
    await shot('changed');
  });

  it('shows errors first, with what to do', async () => {
    await page.goto(`${server.url}/domains/nodmarc.com/dns`);
    await page.getByRole('button', { name: 'Check now' }).click();
    const errors = page.locator('table.dns-findings[data-severity="error"]');
    await errors.waitFor();
    expect(await errors.textContent()).toContain('No DMARC record at _dmarc.nodmarc.com');
    expect(await errors.textContent()).toContain('+all');
    await shot('errors');
  });

  it('a domain of no report says so; a bad name is no page', async () => {
    await page.goto(`${server.url}/domains/unknown-domain.com/dns`);
    await page.getByText('This organisation receives no reports for unknown-domain.com.').waitFor();
    // what is no domain name is no domain's page
    await page.goto(`${server.url}/domains/${encodeURIComponent('bad_name!')}/dns`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('a viewer sees the records and the history, and no "Check now"', async () => {
    const viewer = { email: 'viewer@example.com', password: 'e2e-viewer-password-1234' };
    await api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...viewer, name: 'Vera Viewer', role: 'viewer' }),
    });
    await page.goto(`${server.url}/`);
    // the page's requests answered first: signed out while they run, they end in 401s (console errors)
    await page.waitForLoadState('networkidle');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-email').waitFor();
    await signIn(page, viewer);
    await page.goto(`${server.url}/domains/goodmail.com/dns`);
    await page.getByRole('heading', { name: 'History of changes' }).waitFor();
    expect(await page.getByRole('button', { name: 'Check now' }).count()).toBe(0);
    await shot('viewer');
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
