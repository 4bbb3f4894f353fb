// Shared by the API suites: an app built as `dmarc serve` builds it (real database, in-process queue, memory
// cache) and driven through app.inject(); multipart bodies built by hand; the corpus ground truth.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { buildApp } from '../../src/api/app.js';
import { createAuthService } from '../../src/auth/create.js';
import type { AuthService } from '../../src/auth/service.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import type { Database } from '../../src/store/database.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { openEngine, type Engine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, cacheSink } from '../support/org.js';
import {
  expectationOf,
  expectedTime,
  readManifest,
  type ExpectedReport,
  type ManifestRow,
} from '../support/manifest.js';

export interface TestApi {
  app: FastifyInstance;
  /** app.inject() with the credentials every request of the suites carries (an admin's access token). */
  inject(opts: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** Headers added to every request made through inject(). */
  headers: Record<string, string>;
  db: Database;
  /** PostgreSQL only: the URL of this database (for a `dmarc` child process). */
  url?: string;
  queue: InProcessQueue;
  cache: MemoryCache;
  config: Config;
  /** To make users and tokens of other roles and organisations. */
  auth: AuthService;
  close(): Promise<void>;
}

/**
 * The app on a fresh database of `engine`, with settings from `env` (as env vars) and a temp data dir.
 * `ownConnection`: on PostgreSQL, the app gets a connection of its own (a test may close it under the app).
 */
export async function startApi(
  engine: Engine,
  env: Record<string, string> = {},
  opts: { ownConnection?: boolean } = {},
): Promise<TestApi> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-api-'));
  let t: TestDatabase | undefined;
  try {
    t = await openEngine(engine);
    // The suites send thousands of requests a minute: no rate limit in the way (where there is one).
    const config = loadConfig({
      DMARC_DATA_DIR: dataDir,
      DMARC_LOG_LEVEL: 'silent',
      DMARC_RATE_LIMIT_PER_MINUTE: '1000000',
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
      DMARC_ACCESS_TOKEN_TTL_SECONDS: '3600',
      ...env,
    });
    const db = opts.ownConnection && t.url ? await PostgresDatabase.open(t.url) : t.db;
    const cache = new MemoryCache(config.cache.ttlSeconds);
    const queue = new InProcessQueue({ backoffMs: 10, history: new TaskHistory(db) });
    queue.start(
      taskHandlers({
        db,
        queue,
        cache,
        limits: config.limits,
        jobs: config.jobs,
        imap: config.imap,
        sink: cacheSink(cache),
      }),
    );
    const auth = await createAuthService(config, db, undefined, { bcryptCost: 4 });
    const app = await buildApp({ config, db, queue, cache, auth });
    await app.ready();
    const drop = t.drop;
    // Every request of the suites is an admin's: what each role may do is the RBAC suite's subject.
    const { user } = await auth.createUser({
      email: 'api-tests@example.com',
      name: 'API tests',
      platformAdmin: true,
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
      password: 'correct horse battery staple',
    });
    const headers: Record<string, string> = { authorization: `Bearer ${await auth.access.sign(user.id)}` };
    return {
      app,
      url: t.url,
      headers,
      inject: (opts) => {
        const o: InjectOptions = typeof opts === 'string' ? { method: 'GET', url: opts } : opts;
        return app.inject({ ...o, headers: { ...headers, ...(o.headers as Record<string, string> | undefined) } });
      },
      db,
      queue,
      cache,
      config,
      auth,
      close: async () => {
        await app.close();
        await queue.close(5000);
        if (db !== t!.db) await db.close().catch(() => undefined); // closed by the test, maybe
        await drop();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await t?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------- multipart

export interface Part {
  /** File name sent in Content-Disposition; with `field` set and no name, a plain form field. */
  name?: string;
  bytes: Uint8Array | string;
  field?: string;
  contentType?: string;
}

const quoted = (s: string): string => s.replace(/[\\"\r\n]/g, (c) => encodeURIComponent(c));

/** A multipart/form-data body: one part per file (field `files` unless told otherwise). */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----dmarc-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const field = p.field ?? 'files';
    const disposition =
      p.name === undefined
        ? `form-data; name="${quoted(field)}"`
        : `form-data; name="${quoted(field)}"; filename="${quoted(p.name)}"`;
    const type = p.name === undefined ? '' : `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(typeof p.bytes === 'string' ? Buffer.from(p.bytes) : Buffer.from(p.bytes));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export type UploadStatus = 'accepted' | 'duplicate' | 'unsupported' | 'rejected';
export interface UploadResult {
  name: string;
  status: UploadStatus;
  fileId: number;
  error: string | null;
}

export function postUpload(api: TestApi, parts: Part[]): Promise<LightMyRequestResponse> {
  const { payload, headers } = multipart(parts);
  return api.inject({ method: 'POST', url: '/api/upload', payload, headers });
}

/** Uploads files that must be answered 200; returns the per-file results. */
export async function upload(api: TestApi, parts: Part[]): Promise<UploadResult[]> {
  const r = await postUpload(api, parts);
  expect(r.statusCode, r.body).toBe(200);
  const body = r.json<{ results: UploadResult[] }>();
  expect(body.results).toHaveLength(parts.length);
  return body.results;
}

// ------------------------------------------------------------------------------------------------ reading

/** GET that must answer 200 with JSON. */
export async function getJson<T>(api: TestApi, url: string): Promise<T> {
  const r = await api.inject({ method: 'GET', url });
  expect(r.statusCode, `${url}: ${r.body.slice(0, 500)}`).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  return r.json<T>();
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

/** Every item of a list, page by page with limit + cursor; checks that total stays the same on every page. */
export async function walk<T>(api: TestApi, url: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let total: number | undefined;
  let pages = 0;
  const sep = url.includes('?') ? '&' : '?';
  do {
    const page: Page<T> = await getJson<Page<T>>(
      api,
      `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (total === undefined) total = page.total;
    expect(page.total, `${url}: total changed between pages`).toBe(total);
    if (page.nextCursor !== null) expect(page.items.length, `${url}: a page before the last is full`).toBe(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (pages > 10_000) throw new Error(`${url}: pagination does not end`);
  } while (cursor !== null);
  expect(items.length, `${url}: items over all pages = total`).toBe(total);
  return { items, pages };
}

/** Asserts an RFC 9457 problem answer and returns its body. */
export function expectProblem(
  r: LightMyRequestResponse,
  status: number,
  code?: string,
): {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
} {
  expect(r.statusCode, r.body.slice(0, 500)).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = r.json<{
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    errors?: { field: string; message: string }[];
  }>();
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.code).toMatch(/^[a-z0-9_]+$/);
  if (code !== undefined) expect(body.code).toBe(code);
  expectNoLeak(r.body);
  return body;
}

/** No stack trace, source path or SQL text in a body a client sees. */
export function expectNoLeak(body: string): void {
  expect(body).not.toMatch(/\n\s+at .+:\d+:\d+/); // stack frame
  expect(body).not.toMatch(/\.(ts|js):\d+/);
  expect(body).not.toMatch(/node_modules|\/work\/|file:\/\//);
  expect(body).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b/);
  expect(body).not.toMatch(/\bsyntax error at or near\b|\bSQLSTATE\b|\brelation "|\bcolumn "/i);
}

export async function countFiles(db: Database): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files');
  return r.rows[0]!.n;
}

// -------------------------------------------------------------------------------------------- ground truth

/** Every manifest row, in upload order (path order). */
export const corpusRows: ManifestRow[] = readManifest().sort((a, b) => (a.path < b.path ? -1 : 1));

export const identityOf = (r: ExpectedReport): string =>
  JSON.stringify([r.org_name ?? '', r.report_id, r.domain.toLowerCase(), expectedTime(r.begin)]);

/** The distinct reports of rows uploaded in this order: the first file to carry an identity wins it. */
export function distinctReports(rows: ManifestRow[]): ExpectedReport[] {
  const seen = new Map<string, ExpectedReport>();
  for (const row of rows) {
    for (const r of expectationOf(row)?.reports ?? []) {
      const key = identityOf(r);
      if (!seen.has(key)) seen.set(key, r);
    }
  }
  return [...seen.values()];
}

/** UTC date of a report's begin, as the API and `dmarc summary` filter on it; null without a readable begin. */
export function dayOf(r: ExpectedReport): string | null {
  const t = expectedTime(r.begin);
  return t === null ? null : new Date(t * 1000).toISOString().slice(0, 10);
}

export const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0);
/** Sum of a numeric field. */
export const sumOf = <T, K extends keyof T>(xs: readonly T[], key: K): number =>
  xs.reduce((a, x) => a + Number(x[key]), 0);

export function shiftDay(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whether an address lies in an address or CIDR (IPv4 and IPv6), independently of the database. */
export function inNetwork(address: string | null, network: string): boolean {
  if (address === null) return false;
  const [base, bits] = network.split('/');
  const family = net.isIPv6(base!) ? 'ipv6' : 'ipv4';
  if (net.isIPv6(address) !== (family === 'ipv6')) return false;
  const list = new net.BlockList();
  if (bits === undefined) list.addAddress(base!, family);
  else list.addSubnet(base!, Number(bits), family);
  return list.check(address, family);
}

/** A small, valid aggregate report; `n` makes its identity (and bytes) unique. */
export function syntheticReport(
  n: number,
  opts: { domain?: string; org?: string; begin?: number; count?: number; ip?: string; pass?: boolean } = {},
): string {
  const begin = opts.begin ?? 1_600_000_000 + n * 86_400;
  const pass = opts.pass ?? true;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${opts.org ?? 'synthetic.test'}</org_name><email>r@synthetic.test</email>
    <report_id>synthetic-${n}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${opts.domain ?? 'synthetic.example'}</domain><p>none</p><sp>none</sp><pct>100</pct></policy_published>
  <record>
    <row><source_ip>${opts.ip ?? '198.51.100.7'}</source_ip><count>${opts.count ?? 3}</count>
      <policy_evaluated><disposition>none</disposition><dkim>${pass ? 'pass' : 'fail'}</dkim><spf>fail</spf></policy_evaluated>
    </row>
    <identifiers><header_from>${opts.domain ?? 'synthetic.example'}</header_from></identifiers>
    <auth_results><dkim><domain>${opts.domain ?? 'synthetic.example'}</domain><selector>s1</selector><result>${pass ? 'pass' : 'fail'}</result></dkim>
      <spf><domain>mailer.test</domain><result>pass</result></spf></auth_results>
  </record>
</feedback>
`;
}

// ------------------------------------------------------------------------------------------------- routes

export interface RegisteredRoute {
  method: string;
  /** Fastify's form: /api/reports/:id */
  url: string;
}

/**
 * Every route of the app, HEAD included: from the catalog the role check keeps (app.routeCatalog) when the app
 * has one, else from Fastify's route tree (printRoutes), each route checked with app.hasRoute() so that a
 * misread tree fails loudly instead of hiding a route.
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const catalog = (app as unknown as { routeCatalog?: RegisteredRoute[] }).routeCatalog;
  if (Array.isArray(catalog)) {
    const seen = new Set<string>();
    return catalog
      .map((r) => ({ method: r.method, url: r.url }))
      .filter((r) => !seen.has(`${r.method} ${r.url}`) && seen.add(`${r.method} ${r.url}`));
  }
  const out: RegisteredRoute[] = [];
  const stack: string[] = [''];
  const siblings: string[][] = [[]];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (line.trim() === '') continue;
    const start = line.search(/[^│├└─\s]/u);
    const level = Math.round(start / 4);
    const m = /^(\S+)(?: \(([^)]*)\))?/.exec(line.slice(start));
    if (!m || level < 1) throw new Error(`cannot read the route line '${line}'`);
    const parent = stack[level - 1]!;
    const segment = m[1]!;
    const methods = (m[2] ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    let url = parent + segment;
    // The printer drops a shared prefix before a wildcard ("static/index.html", then "*" for "static/*").
    if (methods.length > 0 && !app.hasRoute({ method: methods[0] as 'GET', url })) {
      const prefixes = (siblings[level] ?? []).map((x) => x.slice(0, x.lastIndexOf('/') + 1)).filter(Boolean);
      url =
        prefixes.map((x) => parent + x + segment).find((u) => app.hasRoute({ method: methods[0] as 'GET', url: u })) ??
        url;
    }
    stack[level] = url;
    stack.length = level + 1;
    (siblings[level] ??= []).push(segment);
    siblings.length = level + 1;
    siblings[level + 1] = [];
    for (const method of methods) {
      if (!app.hasRoute({ method, url })) throw new Error(`route ${method} ${url} misread from printRoutes`);
      out.push({ method, url });
    }
  }
  return out;
}
