// The benchmarks' shared data set and server: synthetic reports (bench/generator.ts) loaded once into a
// PostgreSQL database kept between runs (or PGlite when there is no PostgreSQL), and `dmarc serve` started
// on it as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { NO_SINK } from '../src/events/report-stored.js';
import { importFiles } from '../src/ingest/import-files.js';
import { DEFAULT_UNPACK_LIMITS } from '../src/parse/types.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { syntheticReportXml } from './generator.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PG_ADMIN = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** One data set for every benchmark that needs a large database: loaded once, kept between runs. */
export const DB_NAME = 'dmarc_bench_dashboard';

/** The bench database: BENCH_DB_NAME for a bench that changes its data (bench/senders.ts), else DB_NAME. */
export function dbName(): string {
  const n = process.env.BENCH_DB_NAME;
  return n && /^[a-z_][a-z0-9_]{0,62}$/.test(n) ? n : DB_NAME;
}
export const BENCH_ADMIN = { email: 'bench@example.com', password: 'bench-password-0123456789' };

export type Engine = 'postgres' | 'pglite';

/** The organisation the data set is loaded into: 'default', created by the migrations (as `dmarc import`). */
export const DEFAULT_ORG_ID = 1;

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export function benchDbUrl(): string {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${dbName()}`;
  return u.toString();
}

async function countRecords(db: Database): Promise<{ records: number; first: string | null; last: string | null }> {
  const r = await db.query<{ n: number; first: string | null; last: string | null }>(
    `SELECT (SELECT count(*) FROM records) AS n, to_char(min(day), 'YYYY-MM-DD') AS first,
       to_char(max(day), 'YYYY-MM-DD') AS last FROM reports`,
  );
  return { records: r.rows[0]?.n ?? 0, first: r.rows[0]?.first ?? null, last: r.rows[0]?.last ?? null };
}

export interface Dataset {
  records: number;
  first: string;
  last: string;
  loadSeconds: number | null;
}

/**
 * Makes sure the database holds the synthetic data set (`--fresh` reloads it); returns its size and span.
 * `domains`: spread the reports over that many policy domains, each with every day of the 90 (runs of 90
 * consecutive reports per domain); without it, the generator's 5 domains.
 */
export async function prepareDataset(
  engine: Engine,
  dataDir: string,
  wanted: number,
  perReport: number,
  domains?: number,
): Promise<Dataset> {
  if (engine === 'postgres' && flag('fresh')) await adminQuery(`DROP DATABASE IF EXISTS ${dbName()} WITH (FORCE)`);
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName()])).rowCount === 1;
    await c.end();
    if (!exists) await adminQuery(`CREATE DATABASE ${dbName()}`);
  }
  const db: Database =
    engine === 'postgres'
      ? await PostgresDatabase.open(benchDbUrl())
      : await PGliteDatabase.open(path.join(dataDir, 'pgdata'));
  try {
    await migrate(db);
    let have = await countRecords(db);
    let loadSeconds: number | null = null;
    if (have.records < wanted) {
      if (have.records > 0) throw new Error(`the bench database holds ${have.records} records; run with --fresh`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-data-'));
      const reports = Math.ceil(wanted / perReport);
      process.stdout.write(`generating ${reports} reports of ${perReport} records… `);
      for (let i = 0; i < reports; i++) {
        const domain = domains === undefined ? {} : { domain: `example${Math.floor(i / 90) % domains}.com` };
        const xml = syntheticReportXml({
          seed: 1000 + i,
          records: perReport,
          reportId: `dash-${i}`,
          ipPool: 500,
          ...domain,
        });
        fs.writeFileSync(path.join(dir, `r-${String(i).padStart(5, '0')}.xml.gz`), gzipSync(xml));
      }
      process.stdout.write(`loading into ${engine}… `);
      const t0 = process.hrtime.bigint();
      const s = await importFiles(db, [dir], {
        orgId: DEFAULT_ORG_ID,
        sink: NO_SINK,
        limits: { ...DEFAULT_UNPACK_LIMITS, maxInputBytes: 1024 ** 3, maxDecompressedBytes: 4 * 1024 ** 3 },
        concurrency: engine === 'postgres' ? 2 : 1,
      });
      loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      fs.rmSync(dir, { recursive: true, force: true });
      if (s.failed > 0) throw new Error(`load failed: ${JSON.stringify(s.failures.slice(0, 3))}`);
      console.log(`${s.records.toLocaleString('en-US')} records in ${loadSeconds.toFixed(1)} s`);
      if (engine === 'postgres') await db.query('ANALYZE');
      have = await countRecords(db);
    }
    return { records: have.records, first: have.first!, last: have.last!, loadSeconds };
  } finally {
    await db.close();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built `dmarc serve` on the bench data set, with the bench admin and no rate limit in the way. */
export async function startBenchServer(
  engine: Engine,
  dataDir: string,
  env: Record<string, string> = {},
  /** Options of the server's node (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs: readonly string[] = [],
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'bin/dmarc.js'), 'serve', '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: engine === 'postgres' ? benchDbUrl() : '',
        REDIS_URL: '',
        DMARC_DATA_DIR: dataDir,
        DMARC_LOG_LEVEL: 'warn',
        DMARC_ADMIN_EMAIL: BENCH_ADMIN.email,
        DMARC_ADMIN_PASSWORD: BENCH_ADMIN.password,
        JWT_SECRET: process.env.JWT_SECRET ?? crypto.randomBytes(48).toString('hex'),
        DMARC_RATE_LIMIT_PER_MINUTE: '10000000',
        // measurements start on a quiet server with an empty cache
        DMARC_CACHE_WARM_ON_START: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Signs the bench admin in on a bench server; returns its access token. */
export async function benchLogin(server: BenchServer): Promise<string> {
  const login = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { accessToken: string }).accessToken;
}
