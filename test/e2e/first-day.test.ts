// End to end, what a new user trips over on the first day (issue 12): the real `dmarc serve` with the whole
// corpus and the samples (reports of many providers over many years, reports without a readable period, files
// that are no reports), driven by Chromium. Each step is one of the defects, checked where the user
// sees it — the pixels of a chart, the rows of a list, the width of a table — at 1,280 and 1,920 px where the
// layout is the point. Screenshots go to test-output/e2e/first-day-*.png (ignored by git).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
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
import { readManifest } from '../support/manifest.js';

const haveChromium = chromiumAvailable();
const ADMIN = { email: 'admin@example.com', password: 'e2e-first-day-password-1234' };
const WIDTHS = [1280, 1920] as const;

/** Every file of the corpus (reports, other report kinds, files that are no reports) and of samples/. */
function allFiles(): string[] {
  const corpus = readManifest().map((r) => r.absPath);
  const samples = fs.readdirSync(path.join(ROOT, 'samples')).map((f) => path.join(ROOT, 'samples', f));
  return [...corpus, ...samples];
}

/**
 * A report whose records hold what real ones do and the corpus barely has: a long IPv6 source, two DKIM
 * signatures (one with a long selector) and two SPF checks, and policy overrides with sentences as comments.
 */
const LAYOUT_IP = '2001:db8:85a3:1234:5678:8a2e:370:7334';
const LAYOUT_REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>Layout Mail Inc.</org_name><email>dmarc@layout-mail.example</email>
    <report_id>layout-1</report_id><date_range><begin>1727740800</begin><end>1727827199</end></date_range>
  </report_metadata>
  <policy_published><domain>layout.example</domain><p>quarantine</p><pct>100</pct></policy_published>
  <record>
    <row><source_ip>${LAYOUT_IP}</source_ip><count>1204</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
        <reason><type>forwarded</type><comment>Forwarded by the mailing list engineering-announcements@lists.layout.example: the list rewrites the subject and adds a footer, which breaks the DKIM signature of the original sender</comment></reason>
        <reason><type>local_policy</type><comment>arc=pass as.1.lists.layout.example=pass ams.1.lists.layout.example=pass</comment></reason>
      </policy_evaluated>
    </row>
    <identifiers><header_from>newsletters.engineering.layout.example</header_from></identifiers>
    <auth_results>
      <dkim><domain>newsletters.engineering.layout.example</domain><selector>s2048-20240601-k8fj3kd9sl2m4n5b</selector><result>fail</result></dkim>
      <dkim><domain>lists.layout.example</domain><selector>lists</selector><result>pass</result></dkim>
      <spf><domain>bounces.lists.layout.example</domain><scope>mfrom</scope><result>pass</result></spf>
      <spf><domain>mx1.lists.layout.example</domain><scope>helo</scope><result>neutral</result></spf>
    </auth_results>
  </record>
  <record>
    <row><source_ip>${LAYOUT_IP}</source_ip><count>3</count>
      <policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated>
    </row>
    <identifiers><header_from>layout.example</header_from></identifiers>
    <auth_results><spf><domain>layout.example</domain><result>softfail</result></spf></auth_results>
  </record>
</feedback>
`;

interface TimelinePoint {
  date: string;
  messages: number;
  complianceRate: number | null;
}

/** What a time chart's canvas shows: which pixel columns hold a mark of the data, and where its plot is. */
interface Drawn {
  drawn: boolean[];
  /** The plot's x range (CSS px), found from the x axis line, which spans it. */
  left: number;
  right: number;
}

/**
 * Reads a chart's canvas: the x axis is the longest grey line, the plot's top the highest light grid line;
 * between them, a column is drawn when it has a pixel clearly darker than the background, the grid lines and the
 * area fill (a bar, a line or a symbol).
 */
async function drawnColumns(page: Page, chart: string): Promise<Drawn> {
  return page.locator(`[data-chart="${chart}"] canvas`).evaluate((el) => {
    const canvas = el as unknown as {
      width: number;
      height: number;
      clientWidth: number;
      getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const { width: W, height: H } = canvas;
    const scale = W / canvas.clientWidth;
    const img = canvas.getContext('2d').getImageData(0, 0, W, H).data;
    const px = (x: number, y: number): [number, number, number, number] => {
      const i = (y * W + x) * 4;
      return [img[i]!, img[i + 1]!, img[i + 2]!, img[i + 3]!];
    };
    // the axis line: an opaque neutral grey, darker than the grid lines; the grid lines: #e3e7ee (options.ts)
    const isAxis = (p: number[]): boolean =>
      p[3]! > 200 && p[0]! < 160 && Math.max(p[0]!, p[1]!, p[2]!) - Math.min(p[0]!, p[1]!, p[2]!) < 12;
    const isGrid = (p: number[]): boolean => p[3]! > 200 && [227, 231, 238].every((v, k) => Math.abs(p[k]! - v) < 12);
    let axisY = -1;
    let axisRun = 0;
    let topY = H;
    for (let y = 0; y < H; y++) {
      let axis = 0;
      let grid = 0;
      for (let x = 0; x < W; x++) {
        const p = px(x, y);
        if (isAxis(p)) axis++;
        else if (isGrid(p)) grid++;
      }
      if (axis > axisRun) [axisY, axisRun] = [y, axis];
      if (grid > W / 3 && y < topY) topY = y;
    }
    let left = -1;
    let right = -1;
    for (let x = 0; x < W; x++) {
      if (isAxis(px(x, axisY))) {
        if (left < 0) left = x;
        right = x;
      }
    }
    const drawn = new Array<boolean>(Math.ceil(W / scale)).fill(false);
    for (let y = topY; y < axisY; y++) {
      for (let x = left; x <= right; x++) {
        const [r, g, b, a] = px(x, y);
        if (a > 0 && Math.max(255 - r, 255 - g, 255 - b) * (a / 255) > 90) drawn[Math.floor(x / scale)] = true;
      }
    }
    return { drawn, left: left / scale, right: right / scale };
  });
}

/** The x (CSS px) of bucket i of n: bars sit in the middle of their band, a line's points on the band edges. */
function bucketX(d: Drawn, i: number, n: number, bars: boolean): number {
  const w = d.right - d.left;
  return d.left + (bars ? ((i + 0.5) * w) / n : n === 1 ? w / 2 : (i * w) / (n - 1));
}

const near = (d: Drawn, x: number): boolean => [-1, 0, 1].some((k) => d.drawn[Math.round(x) + k] === true);

describe.skipIf(!haveChromium)('the first day of a new user, in Chromium', () => {
  let server: Server;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let token: string;
  const consoleErrors: string[] = [];

  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const r = await fetch(`${server.url}${p}`, {
      ...init,
      headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS_DIR, `first-day-${name}.png`), fullPage: true });
  };

  /** Waits until every chart of the overview is drawn or says why it is not. */
  const overviewReady = async (): Promise<void> => {
    await page.locator('[data-figure="messages"]').waitFor();
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

  beforeAll(async () => {
    ensureBuilt();
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    server = await startServer(ADMIN);
    token = await apiToken(server, ADMIN);
    // The whole corpus through the API, in requests of 40 files, and the report of long records.
    const layout = new FormData();
    layout.append('files', new Blob([LAYOUT_REPORT]), 'layout-report.xml');
    await api('/api/upload', { method: 'POST', body: layout });
    const files = allFiles();
    for (let i = 0; i < files.length; i += 40) {
      const form = new FormData();
      for (const f of files.slice(i, i + 40)) form.append('files', new Blob([fs.readFileSync(f)]), path.basename(f));
      await api('/api/upload', { method: 'POST', body: form });
    }
    for (let round = 0; ; round++) {
      const open = await api<{ total: number }>('/api/files?status=pending,processing&limit=1');
      if (open.total === 0) break;
      if (round > 300) throw new Error('the uploaded files were not processed within 150 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    ({ page, close: closeBrowser } = await launchBrowser({ width: WIDTHS[0], height: 900 }));
    page.on('console', (m) => {
      // the deliberately refused request of step 8 (a domain filter no domain can match) is a 400 the browser logs
      if (m.text().includes('400') && m.location().url.includes('domain=aaaa')) return;
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    await page.goto(`${server.url}/login`);
    await signIn(page, ADMIN);
  }, 300_000);

  afterAll(async () => {
    await closeBrowser?.();
    await stopServer(server);
  });

  describe('1. the time charts draw every bucket with messages, at any range', () => {
    const ranges = [
      // decades of months: far more than 60 buckets, many without a neighbour
      { name: 'months', q: 'from=1990-01-01&to=2025-12-31', interval: 'month' },
      // 120 days: the longest range drawn in days
      { name: 'days', q: 'from=2024-01-01&to=2024-04-29', interval: 'day' },
    ];
    for (const width of WIDTHS) {
      for (const r of ranges) {
        it(`${r.name} at ${width} px: a mark for every bucket with messages, none where there are none`, async () => {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${server.url}/?${r.q}`);
          await overviewReady();
          const tl = await api<{ items: TimelinePoint[] }>(`/api/rollup/timeline?${r.q}&interval=${r.interval}`);
          const n = tl.items.length;
          expect(n).toBeGreaterThan(60);
          const busy = tl.items.map((p) => p.messages > 0);
          // some buckets must stand alone, or the test would not test what the issue saw
          expect(busy.filter((b, i) => b && !busy[i - 1] && !busy[i + 1]).length).toBeGreaterThan(2);
          for (const [chart, bars] of [
            ['volume', true],
            ['compliance', false],
          ] as const) {
            const d = await drawnColumns(page, chart);
            const missing = tl.items.filter((p, i) => busy[i] && !near(d, bucketX(d, i, n, bars)));
            expect(
              missing.map((p) => p.date),
              `${chart}: buckets with messages but no mark`,
            ).toEqual([]);
            // gaps stay gaps: no mark where this bucket and its neighbours have no messages
            const filled = tl.items.filter(
              (p, i) =>
                [-2, -1, 0, 1, 2].every((k) => !busy[i + k]) && d.drawn[Math.round(bucketX(d, i, n, bars))] === true,
            );
            expect(
              filled.map((p) => p.date),
              `${chart}: marks in a gap`,
            ).toEqual([]);
          }
          await shot(`timeline-${r.name}-${width}`);
        });
      }
    }

    it('under "Fail only" the volume chart shows every failing bucket and the rate chart says why it is not drawn', async () => {
      await page.setViewportSize({ width: WIDTHS[0], height: 900 });
      const q = 'from=1990-01-01&to=2025-12-31&dmarc=fail';
      await page.goto(`${server.url}/?${q}`);
      await overviewReady();
      const tl = await api<{ items: TimelinePoint[] }>(`/api/rollup/timeline?${q}&interval=month`);
      const busy = tl.items.map((p) => p.messages > 0);
      expect(busy.filter(Boolean).length).toBeGreaterThan(3);
      const d = await drawnColumns(page, 'volume');
      const missing = tl.items.filter((p, i) => busy[i] && !near(d, bucketX(d, i, tl.items.length, true)));
      expect(missing.map((p) => p.date)).toEqual([]);
      await page
        .locator('[data-chart="compliance"] [data-chart-empty]')
        .filter({ hasText: /Fail only.*0 % by definition/ })
        .waitFor();
      await shot('timeline-fail-only');
    });
  });

  describe('11. compliance per domain cannot be misread', () => {
    it('under "Fail only" it says why instead of drawing 0.0 % for every domain', async () => {
      await page.goto(`${server.url}/?from=1990-01-01&to=2025-12-31&dmarc=fail`);
      await overviewReady();
      await page
        .locator('[data-chart="domains"] [data-chart-empty]')
        .filter({ hasText: /Fail only.*0 % by definition/ })
        .waitFor();
    });

    for (const width of WIDTHS) {
      it(`at ${width} px each domain is labelled with its volume`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/?from=1990-01-01&to=2025-12-31`);
        await overviewReady();
        const chart = page.locator('[data-chart="domains"]');
        await chart.scrollIntoViewIfNeeded();
        await chart.screenshot({ path: path.join(SHOTS_DIR, `first-day-domains-${width}.png`) });
        // the chart's text alternative (its aria label) names the volume of each domain
        const label = await chart.locator('.chart-canvas').getAttribute('aria-label');
        expect(label).toMatch(/of [\d,]+ messages/);
      });
    }
  });

  describe('2. every stored report is listed, filterable and counted the same everywhere', () => {
    interface Summary {
      reports: number;
      messages: number;
    }
    it('"All time" lists and counts every report, also those without a readable period', async () => {
      const all = await api<Summary>('/api/rollup/summary');
      const none = await api<Summary>('/api/rollup/summary?period=none');
      expect(none.reports).toBeGreaterThan(0);
      await page.goto(`${server.url}/?range=all`);
      await overviewReady();
      expect(await page.locator('[data-figure="messages"]').getAttribute('data-value')).toBe(String(all.messages));
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
      await page.waitForURL((u) => u.pathname === '/reports' && u.search.includes('range=all'));
      await page
        .locator('.pager-info')
        .filter({ hasText: `of ${all.reports.toLocaleString('en-US')}` })
        .waitFor();
      await page
        .getByTestId('undated-note')
        .filter({ hasText: `${none.reports} reports of these have no readable period` })
        .waitFor();
      await shot('reports-all');
    });

    it('"No period" is a filter: the list holds exactly those reports, and each opens', async () => {
      const none = await api<Summary>('/api/rollup/summary?period=none');
      // from a date range, the page says how many it cannot hold, and leads to them
      await page.goto(`${server.url}/reports?from=2024-01-01&to=2024-12-31`);
      await page.getByTestId('undated-note').filter({ hasText: 'in no date range' }).waitFor();
      await page.getByRole('link', { name: 'Show only the reports without a period' }).click();
      await page.waitForURL((u) => u.search.includes('range=none'));
      await page.getByRole('button', { name: `No period (${none.reports})`, pressed: true }).waitFor();
      await page
        .locator('.pager-info')
        .filter({ hasText: `of ${none.reports}` })
        .waitFor();
      const starts = await page.locator('table.data tbody tr td:first-child').allTextContents();
      expect(starts).toEqual(starts.map(() => 'no period'));
      await shot('reports-no-period');
      await page.locator('table.data tbody tr').first().locator('a').click();
      await page.getByRole('heading', { name: /^Report from / }).waitFor();
      await page.getByText('none readable').waitFor();
      // the overview under the same filter: figures of those reports, the time charts say why they are empty
      await page.goto(`${server.url}/?range=none`);
      await overviewReady();
      expect(await page.locator('[data-figure="messages"]').getAttribute('data-value')).toBe(String(none.messages));
      await page
        .locator('[data-chart="volume"] [data-chart-empty]')
        .filter({ hasText: 'no place on a time axis' })
        .waitFor();
      await shot('overview-no-period');
    });
  });

  describe('3. record tables are laid out for their content, without horizontal scrolling', () => {
    /** Every table's box against its content, and the records table's rows, on the page as it is. */
    const measure = (): Promise<{
      overflow: string[];
      rows: { height: number; lines: number }[];
      overrides: { width: number; tableWidth: number; height: number }[];
    }> =>
      page.evaluate(() => {
        type Box = { getBoundingClientRect(): { width: number; height: number } };
        type El = Box & {
          scrollWidth: number;
          clientWidth: number;
          className: string;
          querySelectorAll(s: string): ArrayLike<El>;
          closest(s: string): El | null;
        };
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
        const overflow = Array.from(doc.querySelectorAll('.table-wrap'))
          .filter((w) => w.scrollWidth > w.clientWidth + 1)
          .map((w) => `${w.scrollWidth} > ${w.clientWidth}`);
        const rows = Array.from(doc.querySelectorAll('table.records tbody.record')).map((b) => {
          const main = b.querySelectorAll('tr')[0]!;
          const lists = Array.from(main.querySelectorAll('ul.auth')).map((u) => u.querySelectorAll('li').length);
          return { height: main.getBoundingClientRect().height, lines: Math.max(1, ...lists) };
        });
        const overrides = Array.from(doc.querySelectorAll('table.records tr.record-override td')).map((td) => ({
          width: td.getBoundingClientRect().width,
          tableWidth: td.closest('table')!.getBoundingClientRect().width,
          height: td.getBoundingClientRect().height,
        }));
        return { overflow, rows, overrides };
      });

    for (const width of WIDTHS) {
      it(`report and source detail at ${width} px: no scrolling, overrides on a line of their own, compact rows`, async () => {
        await page.setViewportSize({ width, height: 900 });
        const list = await api<{ items: { id: number }[] }>('/api/reports?domain=layout.example');
        for (const [name, url] of [
          ['report', `/reports/${list.items[0]!.id}`],
          ['source', `/sources?ip=${encodeURIComponent(LAYOUT_IP)}&range=all`],
          ['network', `/sources?ip=${encodeURIComponent('209.85.220.0/24')}&range=all`],
          [
            'big-report',
            `/reports/${(await api<{ items: { id: number }[] }>('/api/reports?sort=messages&limit=1')).items[0]!.id}`,
          ],
        ]) {
          await page.goto(`${server.url}${url}`);
          await page.locator('table.records tbody.record').first().waitFor();
          const m = await measure();
          expect(m.overflow, `${name}: tables wider than their box`).toEqual([]);
          // a line of text with a badge is about 21 px; each DKIM or SPF result may take two (a long domain)
          const tall = m.rows.filter((r) => r.height > 24 + 2 * 21 * r.lines);
          expect(tall, `${name}: rows taller than their results need`).toEqual([]);
          for (const o of m.overrides) {
            // the reason spans the table and reads in at most two lines
            expect(o.width / o.tableWidth).toBeGreaterThan(0.9);
            expect(o.height).toBeLessThan(60);
          }
          if (name === 'report' || name === 'source') expect(m.overrides.length).toBe(1);
          await shot(`records-${name}-${width}`);
        }
        // the reason reads as written
        await page.goto(`${server.url}/reports/${list.items[0]!.id}`);
        await page.getByText('Forwarded', { exact: true }).waitFor();
        await page.getByText(/which breaks the DKIM signature of the original sender/).waitFor();
      });
    }

    it('the other tables do not scroll sideways at 1,280 px either', async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      for (const url of ['/reports?range=all', '/sources?range=all', '/tasks']) {
        await page.goto(`${server.url}${url}`);
        await page.locator('table.data tbody tr').first().waitFor();
        await page.screenshot({
          path: path.join(SHOTS_DIR, `first-day-fits-${url.split('?')[0]!.slice(1)}-1280.png`),
          clip: { x: 0, y: 0, width: 1280, height: 900 },
        });
        expect((await measure()).overflow, url).toEqual([]);
      }
    });
  });

  describe('8. the Sources search says what it takes and never sends what it cannot find', () => {
    /** API requests the page makes while `run` runs, with a source_ip in them. */
    const sourceRequests = async (run: () => Promise<void>): Promise<string[]> => {
      const seen: string[] = [];
      const on = (r: { url(): string }): void => {
        if (r.url().includes('source_ip=')) seen.push(r.url());
      };
      page.on('request', on);
      try {
        await run();
      } finally {
        page.off('request', on);
      }
      return seen;
    };
    const noSpinnerNorBox = async (): Promise<void> => {
      expect(await page.locator('main .spinner').count()).toBe(0);
      expect(await page.getByText('Something went wrong').count()).toBe(0);
    };

    it('a name typed into the box: one message in words at the box, no request, no spinner', async () => {
      await page.setViewportSize({ width: WIDTHS[0], height: 900 });
      await page.goto(`${server.url}/sources?range=all`);
      await page.locator('table.data tbody tr').first().waitFor();
      // the box says what it takes before anything is typed
      await page.locator('#ip-search-hint').filter({ hasText: 'CIDR notation (192.0.2.0/24' }).waitFor();
      const sent = await sourceRequests(async () => {
        await page.locator('#ip-search').fill('amazon');
        await page.getByRole('button', { name: 'Show' }).click();
        await page.getByRole('alert').filter({ hasText: '“amazon” is not an IP address or network' }).waitFor();
        await page.locator('#ip-search').fill('192.0.2.0/33');
        await page.getByRole('button', { name: 'Show' }).click();
        await page.getByRole('alert').filter({ hasText: '“/33” is not a network size' }).waitFor();
      });
      expect(sent).toEqual([]);
      expect(new URL(page.url()).searchParams.get('ip')).toBeNull();
      expect(await page.locator('#ip-search').getAttribute('aria-invalid')).toBe('true');
      await noSpinnerNorBox();
      await shot('sources-search-name');
      // an address or a network opens its page
      await page.locator('#ip-search').fill('209.85.220.0/24');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('heading', { name: 'Source 209.85.220.0/24' }).waitFor();
      await page.locator('table.records tbody.record').first().waitFor();
    });

    it('a link with a name in it: the same message, nothing sent', async () => {
      const sent = await sourceRequests(async () => {
        await page.goto(`${server.url}/sources?ip=amazon&range=all`);
        await page.getByTestId('source-search-error').filter({ hasText: 'not an IP address or network' }).waitFor();
      });
      expect(sent).toEqual([]);
      expect(await page.getByTestId('source-search-error').count()).toBe(1);
      await noSpinnerNorBox();
    });

    it("a request the server refuses (400) is one clear message with the server's reason, and no spinner", async () => {
      // a domain filter longer than a domain can be is refused by the API for each of the page's three requests
      const long = `${'a'.repeat(60)}.`.repeat(5) + 'example';
      await page.goto(`${server.url}/sources?ip=192.0.2.1&range=all&domain=${long}`);
      await page
        .getByTestId('source-search-error')
        .filter({ hasText: /did not accept this request: .*domain/ })
        .waitFor();
      expect(await page.getByTestId('source-search-error').count()).toBe(1);
      await noSpinnerNorBox();
      await shot('sources-search-refused');
    });
  });

  describe('10. the queue monitor opens in a tab of its own, with a way back; the icon is served', () => {
    it('the Ingestion page stays; the new tab shows the runs on one line each and links back', async () => {
      await page.setViewportSize({ width: WIDTHS[0], height: 900 });
      await page.goto(`${server.url}/tasks`);
      const [board] = await Promise.all([
        page.context().waitForEvent('page'),
        page.getByRole('button', { name: /Queue monitor/ }).click(),
      ]);
      await board.waitForURL(/\/admin\/queues$/);
      await board.getByRole('heading', { name: 'Background tasks' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/tasks');
      await board.screenshot({ path: path.join(SHOTS_DIR, 'first-day-queue-monitor.png') });
      // every time is on one line (no wrapped timestamps): its text makes a single line box
      const lines = await board.locator('td:nth-child(6), td:nth-child(7), td:nth-child(8)').evaluateAll((cells) =>
        cells.map((c) => {
          const doc = (
            globalThis as unknown as {
              document: {
                createRange(): { selectNodeContents(n: unknown): void; getClientRects(): { length: number } };
              };
            }
          ).document;
          const range = doc.createRange();
          range.selectNodeContents(c);
          return range.getClientRects().length;
        }),
      );
      expect(lines.length).toBeGreaterThan(0);
      for (const n of lines) expect(n).toBeLessThanOrEqual(1);
      await board.getByRole('link', { name: /Back to the dashboard/ }).click();
      await board.waitForURL(/\/tasks$/);
      await board.close();
    });

    it('/favicon.ico leads to the icon the pages name', async () => {
      const r = await fetch(`${server.url}/favicon.ico`);
      expect(r.status).toBe(200);
      expect(r.url).toBe(`${server.url}/favicon.svg`);
      expect(r.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.svg');
    });
  });

  describe('9. a report links to its file, the file to its reports', () => {
    it('report → file → report', async () => {
      const report = (await api<{ items: { id: number; reportId: string; fileId: number }[] }>('/api/reports?limit=1'))
        .items[0]!;
      await page.goto(`${server.url}/reports/${report.id}`);
      await page.getByTestId('report-file').click();
      await page.waitForURL((u) => u.pathname === '/tasks' && u.search === `?file=${report.fileId}`);
      const card = page.getByTestId('file-card');
      await card.getByRole('link', { name: report.reportId }).waitFor();
      await shot('file-card');
      await card.getByRole('link', { name: report.reportId }).click();
      await page.waitForURL((u) => u.pathname === `/reports/${report.id}`);
      await page.getByRole('heading', { name: /^Report from / }).waitFor();
      // and from the list of files: each name opens its card
      await page.goto(`${server.url}/tasks`);
      await page.locator('td.file-name a').first().click();
      await page
        .getByTestId('file-card')
        .getByRole('heading', { name: /^File “/ })
        .waitFor();
    });
  });

  describe('7. an admin deletes a file imported by mistake, and a report; the figures follow', () => {
    it('the file: from its row on the Ingestion page, after a confirmation', async () => {
      const form = new FormData();
      form.append('files', new Blob(['# notes\nnot a report\n']), 'NOTES.md');
      await api('/api/upload', { method: 'POST', body: form });
      await page.goto(`${server.url}/tasks`);
      const row = page.locator('tr', { has: page.locator('td.file-name', { hasText: 'NOTES.md' }) });
      await row.waitFor();
      await shot('ingestion-files');
      // sizes on one line ("1.5 KB", not "1.5 / KB")
      const sizes = await page
        .locator('td.num.nowrap')
        .evaluateAll((cells) =>
          cells.map(
            (c) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { whiteSpace: string } }).getComputedStyle(c)
                .whiteSpace,
          ),
        );
      expect(sizes.length).toBeGreaterThan(0);
      expect(new Set(sizes)).toEqual(new Set(['nowrap']));
      page.once('dialog', (d) => void d.accept());
      await row.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted “NOTES.md”' }).waitFor();
      await row.waitFor({ state: 'detached' });
      const files = await api<{ items: { name: string }[] }>('/api/files?limit=200');
      expect(files.items.map((f) => f.name)).not.toContain('NOTES.md');
    });

    it('a report: from its page; its messages leave the summary', async () => {
      const before = await api<{ messages: number; reports: number }>('/api/rollup/summary');
      const report = (await api<{ items: { id: number; messages: number }[] }>('/api/reports?limit=1')).items[0]!;
      await page.goto(`${server.url}/reports/${report.id}`);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Delete report' }).click();
      await page.waitForURL(/\/reports$/);
      const after = await api<{ messages: number; reports: number }>('/api/rollup/summary');
      expect(after.reports).toBe(before.reports - 1);
      expect(after.messages).toBe(before.messages - report.messages);
      await shot('report-deleted');
    });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
