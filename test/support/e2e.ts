// What the browser suites in test/e2e/ share: Debian's Chromium (skipped with a warning when missing), the
// dashboard built when its sources are newer than dist/web, and the real `dmarc serve` on a loopback port with a
// fresh data directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './cli.js';
import { servicesRequired } from './services.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser is there; without it the suite is skipped (an error under REQUIRE_SERVICES=1). */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`${CHROMIUM} not found: the dashboard e2e suite is skipped (apt-get install -y chromium)`);
  return false;
}

/** Screenshots go here (ignored by git). */
export const SHOTS_DIR = path.join(ROOT, 'test-output', 'e2e');

/** Builds the app when dist/web is missing or older than its sources. */
export function ensureBuilt(): void {
  const index = path.join(ROOT, 'dist/web/index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const srcTime = Math.max(
    newest(path.join(ROOT, 'web/src')),
    fs.existsSync(path.join(ROOT, 'web/public')) ? newest(path.join(ROOT, 'web/public')) : 0,
    fs.statSync(path.join(ROOT, 'web/index.html')).mtimeMs,
  );
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= srcTime) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'],
    { cwd: ROOT, stdio: 'inherit' },
  );
}

export interface Server {
  url: string;
  child: ChildProcess;
  dataDir: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh, empty data directory for one server. */
export function newDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-e2e-'));
}

/** `dmarc serve` (embedded: PGlite, in-process queue) on a free loopback port, with the first admin given. */
export async function startServer(
  admin: { email: string; password: string },
  dataDir: string = newDataDir(),
): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'serve', '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        DMARC_DATA_DIR: dataDir,
        DMARC_LOG_LEVEL: 'warn',
        DMARC_ADMIN_EMAIL: admin.email,
        DMARC_ADMIN_PASSWORD: admin.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dmarc serve did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`dmarc serve exited with ${code}:\n${out}`)));
  });
  return { url, child, dataDir };
}

export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

/** Chromium with its own profile directory (removed by the returned close). */
export async function launchBrowser(
  viewport = { width: 1366, height: 900 },
): Promise<{ browser: BrowserContext; page: Page; close: () => Promise<void> }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-chromium-'));
  const browser = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
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
  const page = browser.pages()[0] ?? (await browser.newPage());
  return {
    browser,
    page,
    close: async () => {
      await browser.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the login page the browser is on. */
export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.locator('#login-email').fill(who.email);
  await page.locator('#login-password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header.topbar').waitFor();
}

/** An access token for the API (the same admin as in the browser). */
export async function apiToken(server: Server, who: { email: string; password: string }): Promise<string> {
  const r = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  if (r.status !== 200) throw new Error(`login for the API: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { accessToken: string }).accessToken;
}

/** The widths every dashboard page is looked at. */
export const SHOT_WIDTHS = [1280, 1920] as const;

/**
 * Screenshots of the page at each width (test-output/e2e/<file>-<width>.png, full page), `ready` awaited at each
 * width first (a chart redrawn); fails when anything sticks out sideways. The viewport ends at the first width.
 */
export async function shotAtWidths(page: Page, file: string, ready?: () => Promise<unknown>): Promise<void> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  for (const width of SHOT_WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await ready?.();
    await page.screenshot({ path: path.join(SHOTS_DIR, `${file}-${width}.png`), fullPage: true });
    // a function run in the page (the CSP forbids eval); this file has no DOM types
    const overflow = await page.evaluate(() => {
      const el = (
        globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
      ).document.documentElement;
      return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
    });
    if (overflow.scrollWidth > overflow.clientWidth + 1) {
      throw new Error(`${file} at ${width} px is ${overflow.scrollWidth} px wide: something sticks out sideways`);
    }
  }
  await page.setViewportSize({ width: SHOT_WIDTHS[0], height: 900 });
}

/** A local HTTP server standing in for a webhook receiver: it answers 200 and keeps what it was sent. */
export async function recordingServer(): Promise<{
  url: string;
  requests: { path: string; headers: http.IncomingHttpHeaders; body: string }[];
  close: () => Promise<void>;
}> {
  const requests: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => srv.close(() => resolve())),
  };
}
