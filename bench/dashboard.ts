// `npm run bench:dashboard`: how fast the overview renders on a database with 1,000,000 records, in Chromium on
// loopback, and how big the app is (gzip). Loads synthetic reports (bench/generator.ts) into PostgreSQL when it
// answers on 127.0.0.1 (else PGlite), starts the built `dmarc serve`, signs in, and times the overview from
// navigation start to every chart drawn (performance marks set by the app), with a cold analytics cache and
// warm. Prints figures; never asserts on them.
//
// Options: --records N (default 1,000,000), --records-per-report N (default 500), --fresh (reload the data),
// --runs N (warm runs, default 5).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import {
  BENCH_ADMIN as ADMIN,
  ROOT,
  arg,
  flag,
  postgresAvailable,
  prepareDataset as prepare,
  startBenchServer as startServer,
} from './dataset.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHARTS = 8;

interface Timing {
  figures: number;
  charts: number;
  requests: number;
  /** API calls of the load: path and ms from request start to response end. */
  calls: [string, number][];
}

/** Loads `url` and returns ms from navigation start to the figures shown and to the last chart drawn. */
async function measure(page: Page, url: string): Promise<Timing> {
  let requests = 0;
  const calls: [string, number][] = [];
  const count = (): void => void requests++;
  const done = (r: import('playwright-core').Request): void => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/auth/')) {
      calls.push([u.pathname, r.timing().responseEnd]);
    }
  };
  page.on('request', count);
  page.on('requestfinished', done);
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    (n) => performance.getEntriesByType('mark').filter((m) => m.name.startsWith('dmarc:chart-drawn:')).length >= n,
    CHARTS,
    { timeout: 120_000 },
  );
  page.off('request', count);
  page.off('requestfinished', done);
  const marks = await page.evaluate(() =>
    performance.getEntriesByType('mark').map((m): [string, number] => [m.name, m.startTime]),
  );
  const charts = Math.max(...marks.filter(([n]) => n.startsWith('dmarc:chart-drawn:')).map(([, t]) => t));
  const figures = marks.find(([n]) => n === 'dmarc:figures-shown')?.[1] ?? Number.NaN;
  return { figures, charts, requests, calls };
}

function bundleSize(): {
  files: { name: string; raw: number; gzip: number }[];
  initialGzip: number;
  totalGzip: number;
} {
  const dir = path.join(ROOT, 'dist/web');
  const index = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const files = [
    path.join(dir, 'index.html'),
    ...fs.readdirSync(path.join(dir, 'assets')).map((f) => path.join(dir, 'assets', f)),
  ];
  const rows = files.map((f) => {
    const bytes = fs.readFileSync(f);
    return { name: path.relative(dir, f), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  // What the first page needs: index.html and the assets it references (the chart chunk loads after).
  const initial = rows.filter((r) => r.name === 'index.html' || index.includes(`/${r.name}`));
  return {
    files: rows,
    initialGzip: initial.reduce((n, r) => n + r.gzip, 0),
    totalGzip: rows.reduce((n, r) => n + r.gzip, 0),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number): string => `${Math.round(n)} ms`;

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install -y chromium)`);
  if (!fs.existsSync(path.join(ROOT, 'dist/web/index.html'))) throw new Error('dist/web is missing: npm run build');
  const wanted = Number(arg('records', '1000000'));
  const perReport = Number(arg('records-per-report', '500'));
  const runs = Number(arg('runs', '5'));
  const engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-dashboard');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });

  const data = await prepare(engine, dataDir, wanted, perReport);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);
  const bundle = bundleSize();

  const server = await startServer(engine, dataDir);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const results: { view: string; cold: Timing; warm: Timing[] }[] = [];
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    // Sign in on a page without analytics, so that the first overview meets a cold cache.
    await page.goto(`${server.url}/login?next=/settings/keys`);
    const needsLogin = await page
      .locator('#login-email')
      .waitFor({ timeout: 5000 })
      .then(
        () => true,
        () => false,
      );
    if (needsLogin) {
      await page.locator('#login-email').fill(ADMIN.email);
      await page.locator('#login-password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('header.topbar').waitFor({ timeout: 30_000 });
    }
    const last = data.last;
    const minus = (d: string, n: number): string =>
      new Date(Date.parse(`${d}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
    const views = [
      { view: 'last 30 days of data', q: `from=${minus(last, 29)}&to=${last}` },
      { view: `all data (${data.first} to ${data.last})`, q: `from=${data.first}&to=${data.last}` },
    ];
    for (const v of views) {
      const url = `${server.url}/?${v.q}`;
      const cold = await measure(page, url);
      const warm: Timing[] = [];
      for (let i = 0; i < runs; i++) warm.push(await measure(page, url));
      results.push({ view: v.view, cold, warm });
    }
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    fs.rmSync(userDir, { recursive: true, force: true });
  }

  console.log(
    `\nOverview first render, Chromium on loopback, ${data.records.toLocaleString('en-US')} records (${engine}):`,
  );
  console.log('| view | cache | figures shown | all 8 charts drawn | requests |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.view} | cold (first load after start) | ${ms(r.cold.figures)} | ${ms(r.cold.charts)} | ${r.cold.requests} |`,
    );
    console.log(
      `| ${r.view} | warm (median of ${r.warm.length}) | ${ms(median(r.warm.map((w) => w.figures)))} | ${ms(median(r.warm.map((w) => w.charts)))} | ${r.warm[0]?.requests ?? 0} |`,
    );
  }
  console.log('\nAPI calls of the cold loads (ms from request start to response end, in the browser):');
  for (const r of results) {
    const list = [...r.cold.calls].sort((a, b) => b[1] - a[1]);
    console.log(`- ${r.view}: ${list.map(([p, t]) => `${p} ${ms(t)}`).join(', ')}`);
  }
  console.log('\nBundle (dist/web, gzip -9):');
  console.log('| file | raw | gzip |');
  console.log('|---|---:|---:|');
  for (const f of bundle.files) console.log(`| ${f.name} | ${kb(f.raw)} | ${kb(f.gzip)} |`);
  console.log(`| **first page (index.html + entry JS + CSS)** | | **${kb(bundle.initialGzip)}** |`);
  console.log(`| **everything (incl. the chart chunk)** | | **${kb(bundle.totalGzip)}** |`);
  if (data.loadSeconds !== null) console.log(`\n(data loaded in ${data.loadSeconds.toFixed(1)} s)`);
}

await main();
