// `npm run bench:ingest`: end-to-end ingestion throughput (intake + unpack + parse + store + rollups) into
// PGlite and, when reachable, PostgreSQL. Each scenario runs in its own child process so that its peak RSS is
// its own. Prints figures; never asserts on them.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import pg from 'pg';
import { importFiles } from '../src/ingest/import-files.js';
import { DEFAULT_UNPACK_LIMITS } from '../src/parse/types.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { prng, syntheticReportChunks, syntheticReportXml } from './generator.js';

const SELF = fileURLToPath(import.meta.url);
const PG_ADMIN = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface ScenarioResult {
  engine: string;
  scenario: string;
  files: number;
  reports: number;
  records: number;
  seconds: number;
  peakRssMb: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Many small reports (10-500 records each), gzipped as reporters send them, one file per report. */
function writeSmallReports(dir: string, count: number, seed: number): number {
  const rand = prng(seed);
  let records = 0;
  for (let i = 0; i < count; i++) {
    const n = 10 + Math.floor(rand() * 491);
    records += n;
    const xml = syntheticReportXml({ seed: seed * 100_000 + i, records: n, reportId: `small-${seed}-${i}` });
    fs.writeFileSync(path.join(dir, `small-${i}.xml.gz`), gzipSync(xml));
  }
  return records;
}

/** One very large report, streamed to disk so that the generator itself stays small. */
async function writeBigReport(file: string, records: number): Promise<void> {
  const gz = createGzip({ level: 6 });
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  gz.pipe(out);
  for (const chunk of syntheticReportChunks({ seed: 424242, records, reportId: 'big-report', ipPool: 50_000 })) {
    if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
}

async function openBenchDb(engine: string, dbName: string, dataDir: string): Promise<Database> {
  if (engine === 'pglite') {
    const db = await PGliteDatabase.open(path.join(dataDir, 'pgdata'));
    await migrate(db);
    return db;
  }
  const u = new URL(PG_ADMIN);
  u.pathname = `/${dbName}`;
  const db = await PostgresDatabase.open(u.toString());
  await migrate(db);
  return db;
}

/** Child process: imports every file of `dir` (sorted) and prints one JSON result line. */
async function runChild(): Promise<void> {
  const engine = arg('engine', 'pglite');
  const dir = arg('dir', '');
  const scenario = arg('scenario', '');
  const db = await openBenchDb(engine, arg('db', ''), arg('data', ''));
  const files = fs.readdirSync(dir).sort();
  const limits = { ...DEFAULT_UNPACK_LIMITS, maxInputBytes: 1024 ** 3, maxDecompressedBytes: 4 * 1024 ** 3 };
  const concurrency = engine === 'postgres' ? 2 : 1;
  const started = process.hrtime.bigint();
  const summary = await importFiles(db, [dir], { limits, concurrency });
  if (summary.failed > 0) throw new Error(`failures: ${JSON.stringify(summary.failures)}`);
  const { reports, records } = summary;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await db.close();
  const result: ScenarioResult = {
    engine,
    scenario,
    files: files.length,
    reports,
    records,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
}

async function postgresAvailable(): Promise<boolean> {
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

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function runScenario(engine: string, scenario: string, dir: string, work: string, dbName: string): ScenarioResult {
  const dataDir = fs.mkdtempSync(path.join(work, `${engine}-`));
  const r = spawnSync(
    process.execPath,
    [SELF, '--child', '--engine', engine, '--scenario', scenario, '--dir', dir, '--db', dbName, '--data', dataDir],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${engine}/${scenario} failed with status ${r.status}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as ScenarioResult;
}

async function main(): Promise<void> {
  const smallCount = Number(arg('reports', '1000'));
  const bigRecords = Number(arg('big', '200000'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-'));
  try {
    const smallDir = path.join(work, 'small');
    const bigDir = path.join(work, 'big');
    fs.mkdirSync(smallDir);
    fs.mkdirSync(bigDir);
    const t = Date.now();
    const smallRecords = writeSmallReports(smallDir, smallCount, 1);
    await writeBigReport(path.join(bigDir, 'big.xml.gz'), bigRecords);
    const bigSize = fs.statSync(path.join(bigDir, 'big.xml.gz')).size;
    console.log(
      `generated ${smallCount} reports (${smallRecords} records) and one ${bigRecords}-record report ` +
        `(${(bigSize / 1e6).toFixed(1)} MB gzipped) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );

    const engines = ['pglite'];
    if (await postgresAvailable()) engines.push('postgres');
    else console.log(`PostgreSQL not reachable at ${PG_ADMIN}: PostgreSQL runs skipped`);

    for (const engine of engines) {
      for (const [scenario, dir] of [
        ['many small reports', smallDir],
        [`one ${bigRecords}-record report`, bigDir],
      ] as const) {
        const r =
          engine === 'postgres'
            ? await withPgDatabase((name) => runScenario(engine, scenario, dir, work, name))
            : runScenario(engine, scenario, dir, work, '');
        console.log(
          `${engine.padEnd(8)} ${scenario.padEnd(28)} ${String(r.reports).padStart(6)} reports ` +
            `${String(r.records).padStart(8)} records in ${r.seconds.toFixed(2).padStart(6)} s: ` +
            `${(r.reports / r.seconds).toFixed(1).padStart(7)} reports/s ${Math.round(r.records / r.seconds)
              .toLocaleString('en-US')
              .padStart(8)} records/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
        );
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A fresh PostgreSQL database for one scenario (the child migrates it), dropped afterwards. */
async function withPgDatabase(fn: (name: string) => ScenarioResult): Promise<ScenarioResult> {
  const name = `dmarc_bench_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  try {
    return fn(name);
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

if (process.argv.includes('--child')) await runChild();
else await main();
