// `npm run bench:ingest`: end-to-end ingestion throughput (intake + unpack + parse + store + rollups) into
// PGlite and, when reachable, PostgreSQL. Each scenario runs in its own child process so that its peak RSS is
// its own. Then, through the job queue as uploads go (accept → queue → process-file): the embedded in-process
// queue, and — with PostgreSQL and Redis — BullMQ with 1 and 2 `dmarc worker` processes; and the queue's own
// overhead per job (no-op jobs). Prints figures; never asserts on them.
// Flags: --reports N, --big N, --tiny N (one-record reports, a mailbox's shape), --only import|queue.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { MemoryCache } from '../src/analytics/cache.js';
import { NO_SINK } from '../src/events/report-stored.js';
import { acceptFile, type EnqueueFile } from '../src/ingest/accept-file.js';
import { importFiles } from '../src/ingest/import-files.js';
import { BullMqQueue } from '../src/jobs/bullmq-queue.js';
import { TaskHistory } from '../src/jobs/history.js';
import { InProcessQueue } from '../src/jobs/in-process-queue.js';
import { processFileKey, type JobQueue, type TaskHandlers } from '../src/jobs/queue.js';
import { taskHandlers } from '../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../src/parse/types.js';
import { reportStoredSink } from '../src/runtime/report-sink.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { DEFAULT_ORG_ID, PG_ADMIN, adminQuery, postgresAvailable } from './dataset.js';
import { prng, syntheticReportChunks, syntheticReportXml } from './generator.js';

const SELF = fileURLToPath(import.meta.url);
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The `dmarc` command built next to this file (dist/bench/ → dist/src/cli/main.js). */
const CLI = path.join(path.dirname(SELF), '../src/cli/main.js');

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

/** Many one-record reports (a real mailbox: one report per message): per-report overhead only. */
function writeTinyReports(dir: string, count: number, seed: number): number {
  for (let i = 0; i < count; i++) {
    const xml = syntheticReportXml({ seed: seed * 100_000 + i, records: 1, reportId: `tiny-${seed}-${i}` });
    fs.writeFileSync(path.join(dir, `tiny-${i}.xml.gz`), gzipSync(xml));
  }
  return count;
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
  const summary = await importFiles(db, [dir], { orgId: DEFAULT_ORG_ID, limits, sink: NO_SINK, concurrency });
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

// ---- through the job queue ----

interface QueueRunResult {
  label: string;
  files: number;
  reports: number;
  records: number;
  seconds: number;
  /** process-file runs at once, all workers together. */
  slots: number;
  /** Mean time inside a process-file run (from the task history). */
  handlerMs: number;
  /** Accepting and queueing every file (the uploads), before the workers start on them. */
  acceptSeconds: number;
  peakRssMb: number;
}

interface OverheadResult {
  label: string;
  /** Sequential round trips: enqueue → the run completed (history writes included). */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Many no-op jobs at once, 4 at a time. */
  jobsPerSecond: number;
}

const benchLimits = { ...DEFAULT_UNPACK_LIMITS, maxInputBytes: 1024 ** 3, maxDecompressedBytes: 4 * 1024 ** 3 };

function makeQueue(mode: string, db: Database, prefix: string): JobQueue {
  const history = new TaskHistory(db);
  return mode === 'bullmq'
    ? new BullMqQueue({
        redisUrl: REDIS,
        prefix,
        history,
        maxAttempts: 3,
        backoffMs: 1000,
        lockDurationMs: 20_000,
        stalledIntervalMs: 15_000,
      })
    : new InProcessQueue({ history, maxAttempts: 3 });
}

/** Starts `dmarc worker` processes and resolves once each says it is running. */
async function startWorkers(n: number, concurrency: number, dbUrl: string, prefix: string): Promise<ChildProcess[]> {
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL: REDIS,
    DMARC_QUEUE_PREFIX: prefix,
    DMARC_LOG_LEVEL: 'warn',
    PORT: '',
  };
  const workers: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const w = spawn(process.execPath, [CLI, 'worker', '--concurrency', String(concurrency)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(w);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      w.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('worker running')) resolve();
      });
      w.once('exit', (code) => reject(new Error(`dmarc worker exited with ${code}`)));
    });
  }
  return workers;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
}

/** Child: every file accepted as an upload is (intake, then a process-file job), until all are processed. */
async function runQueueChild(): Promise<void> {
  const mode = arg('queue', 'in-process');
  const engine = arg('engine', 'pglite');
  const dir = arg('dir', '');
  const workers = Number(arg('workers', '0'));
  const slots = Number(arg('slots', '1'));
  const dbName = arg('db', '');
  const prefix = `dmarc_bench_${crypto.randomBytes(4).toString('hex')}`;
  const db = await openBenchDb(engine, dbName, arg('data', ''));
  const queue = makeQueue(mode, db, prefix);
  let procs: ChildProcess[] = [];
  if (mode === 'bullmq') {
    const u = new URL(PG_ADMIN);
    u.pathname = `/${dbName}`;
    procs = await startWorkers(workers, slots / workers, u.toString(), prefix);
    await (queue as BullMqQueue).queue.pause(); // every worker waits until the backlog is queued
  }
  // 1. the uploads: every file accepted and queued
  const files = fs.readdirSync(dir).sort();
  // as the upload route queues them, and with the sink a worker process builds (cache invalidation)
  const cache = new MemoryCache(0);
  const sink = reportStoredSink({ cache, log: { warn: () => undefined } });
  const enqueue: EnqueueFile = (f) => queue.enqueue('process-file', f, { dedupeKey: processFileKey(f.fileId) });
  const acceptStart = process.hrtime.bigint();
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(dir, f));
    await acceptFile(
      db,
      { orgId: DEFAULT_ORG_ID, bytes, name: f, source: 'upload' },
      { limits: benchLimits, enqueue, sink },
    );
  }
  const acceptSeconds = Number(process.hrtime.bigint() - acceptStart) / 1e9;
  // 2. the workers drain the backlog
  const started = process.hrtime.bigint();
  if (mode === 'bullmq') await (queue as BullMqQueue).queue.resume();
  else queue.start(taskHandlers({ db, queue, cache, limits: benchLimits, sink }), { concurrency: slots });
  for (;;) {
    const left = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ingested_files WHERE status IN ('pending', 'processing')`,
    );
    if (left.rows[0]!.n === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const totals = await db.query<{ reports: number; records: number }>(
    'SELECT count(*) AS reports, coalesce(sum(record_count), 0) AS records FROM reports',
  );
  const handler = await db.query<{ ms: number }>(
    `SELECT avg(extract(epoch FROM finished_at - started_at)) * 1000 AS ms FROM task_runs
     WHERE name = 'process-file' AND state = 'completed'`,
  );
  await stopWorkers(procs);
  await queue.close(10_000);
  if (mode === 'bullmq') {
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
  await db.close();
  const result: QueueRunResult = {
    label: arg('label', ''),
    files: files.length,
    reports: totals.rows[0]!.reports,
    records: totals.rows[0]!.records,
    seconds,
    slots,
    handlerMs: Number(handler.rows[0]?.ms ?? 0),
    acceptSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
}

const noop = async (): Promise<object> => ({});
const NOOP_HANDLERS: TaskHandlers = {
  'process-file': noop,
  'sweep-pending': noop,
  'fetch-imap': noop,
  'refresh-rollups': noop,
  retention: noop,
  'enrich-sources': noop,
  'identify-senders': noop,
  'check-alerts': noop,
  notify: noop,
  'check-dns': noop,
  'send-digests': noop,
  'train-model': noop,
  'detect-anomalies': noop,
  'forward-events': noop,
};

/** Child: what the queue itself costs per job, with handlers that do nothing. */
async function runOverheadChild(): Promise<void> {
  const mode = arg('queue', 'in-process');
  const engine = arg('engine', 'pglite');
  const db = await openBenchDb(engine, arg('db', ''), arg('data', ''));
  const prefix = `dmarc_bench_${crypto.randomBytes(4).toString('hex')}`;
  const history = new TaskHistory(db);
  const done = new Map<string, () => void>();
  const onEvent = (e: { type: string; id: string }): void => {
    if (e.type === 'completed') done.get(e.id)?.();
  };
  const queue: JobQueue =
    mode === 'bullmq'
      ? new BullMqQueue({
          redisUrl: REDIS,
          prefix,
          history,
          maxAttempts: 3,
          backoffMs: 1000,
          lockDurationMs: 20_000,
          stalledIntervalMs: 15_000,
          onEvent,
        })
      : new InProcessQueue({ history, maxAttempts: 3, onEvent });
  queue.start(NOOP_HANDLERS, { concurrency: 4 });
  const roundTrips: number[] = [];
  for (let i = 0; i < 320; i++) {
    const t0 = process.hrtime.bigint();
    const id = `noop-${i}-${crypto.randomBytes(3).toString('hex')}`;
    const finished = new Promise<void>((resolve) => done.set(id, resolve));
    await queue.enqueue('refresh-rollups', {}, { jobId: id });
    await finished;
    done.delete(id);
    if (i >= 20) roundTrips.push(Number(process.hrtime.bigint() - t0) / 1e6); // after a warm-up
  }
  roundTrips.sort((a, b) => a - b);
  const many = 2000;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < many; i++) await queue.enqueue('refresh-rollups', {});
  await queue.drain();
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  await queue.close(10_000);
  if (mode === 'bullmq') {
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
  await db.close();
  const result: OverheadResult = {
    label: arg('label', ''),
    p50Ms: roundTrips[Math.floor(roundTrips.length * 0.5)]!,
    p99Ms: roundTrips[Math.floor(roundTrips.length * 0.99)]!,
    meanMs: roundTrips.reduce((a, b) => a + b, 0) / roundTrips.length,
    jobsPerSecond: many / seconds,
  };
  console.log(JSON.stringify(result));
}

function runChildJson<T>(args: string[], work: string): T {
  const dataDir = fs.mkdtempSync(path.join(work, 'q-'));
  const r = spawnSync(process.execPath, [SELF, ...args, '--data', dataDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed with status ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

async function redisAvailable(): Promise<boolean> {
  const r = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function queueScenarios(smallDir: string, work: string, havePg: boolean): Promise<void> {
  const haveRedis = await redisAvailable();
  if (!haveRedis) console.log(`Redis not reachable at ${REDIS}: BullMQ runs skipped`);
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run through npm run bench:ingest (it builds first)`);
  const runs: { engine: string; queue: string; workers: number; slots: number; label: string }[] = [
    {
      engine: 'pglite',
      queue: 'in-process',
      workers: 0,
      slots: 1,
      label: 'embedded: PGlite, in-process queue, 1 at a time',
    },
  ];
  if (havePg) {
    runs.push({
      engine: 'postgres',
      queue: 'in-process',
      workers: 0,
      slots: 2,
      label: 'PostgreSQL, in-process queue, 2 at a time',
    });
    if (haveRedis) {
      runs.push({
        engine: 'postgres',
        queue: 'bullmq',
        workers: 1,
        slots: 2,
        label: 'PostgreSQL, BullMQ, 1 worker × 2',
      });
      runs.push({
        engine: 'postgres',
        queue: 'bullmq',
        workers: 2,
        slots: 4,
        label: 'PostgreSQL, BullMQ, 2 workers × 2',
      });
    }
  }
  console.log(
    '\nthrough the job queue, many small reports: accepted and queued as uploads are, then the backlog processed by',
  );
  for (const run of runs) {
    const args = ['--queue-child', '--queue', run.queue, '--engine', run.engine, '--dir', smallDir];
    args.push('--workers', String(run.workers), '--slots', String(run.slots), '--label', run.label);
    const r =
      run.engine === 'postgres'
        ? await withPgDatabase((name) => runChildJson<QueueRunResult>([...args, '--db', name], work))
        : runChildJson<QueueRunResult>(args, work);
    const busyPerJob = (r.seconds * r.slots * 1000) / r.files;
    console.log(
      `  ${r.label.padEnd(46)} ${String(r.reports).padStart(5)} reports ${String(r.records).padStart(7)} records ` +
        `in ${r.seconds.toFixed(2).padStart(6)} s: ${Math.round(r.records / r.seconds)
          .toLocaleString('en-US')
          .padStart(7)} records/s; per job ${r.handlerMs.toFixed(1)} ms in process-file, ` +
        `${Math.max(0, busyPerJob - r.handlerMs).toFixed(1)} ms around it; queued at ${Math.round(
          r.files / r.acceptSeconds,
        )} files/s` +
        (run.queue === 'bullmq' ? '' : `, peak RSS ${r.peakRssMb.toFixed(0)} MB`),
    );
  }

  console.log('\nqueue overhead per job (no-op jobs; history writes included):');
  const overheadRuns: { engine: string; queue: string; label: string }[] = [
    { engine: 'pglite', queue: 'in-process', label: 'in-process queue, PGlite history' },
  ];
  if (havePg)
    overheadRuns.push({ engine: 'postgres', queue: 'in-process', label: 'in-process queue, PostgreSQL history' });
  if (havePg && haveRedis)
    overheadRuns.push({ engine: 'postgres', queue: 'bullmq', label: 'BullMQ (Redis), PostgreSQL history' });
  for (const run of overheadRuns) {
    const args = ['--overhead-child', '--queue', run.queue, '--engine', run.engine, '--label', run.label];
    const r =
      run.engine === 'postgres'
        ? await withPgDatabase((name) => runChildJson<OverheadResult>([...args, '--db', name], work))
        : runChildJson<OverheadResult>(args, work);
    console.log(
      `  ${r.label.padEnd(38)} round trip enqueue → completed p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; ` +
        `${Math.round(r.jobsPerSecond).toLocaleString('en-US')} jobs/s (4 at a time)`,
    );
  }
}

async function main(): Promise<void> {
  const smallCount = Number(arg('reports', '1000'));
  const bigRecords = Number(arg('big', '200000'));
  const tinyCount = Number(arg('tiny', '10000'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-'));
  try {
    const smallDir = path.join(work, 'small');
    const bigDir = path.join(work, 'big');
    const tinyDir = path.join(work, 'tiny');
    fs.mkdirSync(smallDir);
    fs.mkdirSync(bigDir);
    fs.mkdirSync(tinyDir);
    const t = Date.now();
    const smallRecords = writeSmallReports(smallDir, smallCount, 1);
    writeTinyReports(tinyDir, tinyCount, 2);
    await writeBigReport(path.join(bigDir, 'big.xml.gz'), bigRecords);
    const bigSize = fs.statSync(path.join(bigDir, 'big.xml.gz')).size;
    console.log(
      `generated ${smallCount} reports (${smallRecords} records), ${tinyCount} one-record reports and one ` +
        `${bigRecords}-record report ` +
        `(${(bigSize / 1e6).toFixed(1)} MB gzipped) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );

    const only = arg('only', 'all');
    const engines = ['pglite'];
    const havePg = await postgresAvailable();
    if (havePg) engines.push('postgres');
    else console.log(`PostgreSQL not reachable at ${PG_ADMIN}: PostgreSQL runs skipped`);

    for (const engine of only === 'queue' ? [] : engines) {
      for (const [scenario, dir] of [
        ['many small reports', smallDir],
        [`one ${bigRecords}-record report`, bigDir],
        [`${tinyCount} one-record reports`, tinyDir],
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
    if (only !== 'import') await queueScenarios(smallDir, work, havePg);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A fresh PostgreSQL database for one scenario (the child migrates it), dropped afterwards. */
async function withPgDatabase<T>(fn: (name: string) => T): Promise<T> {
  const name = `dmarc_bench_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  try {
    return fn(name);
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

if (process.argv.includes('--child')) await runChild();
else if (process.argv.includes('--queue-child')) await runQueueChild();
else if (process.argv.includes('--overhead-child')) await runOverheadChild();
else await main();
