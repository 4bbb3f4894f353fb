// `npm run bench:api`: latency and throughput of the analytics routes on a database of ≥ 1,000,000 records
// (the shared bench data set, see dataset.ts), driven by autocannon at 50 concurrent connections: once with
// the cache on (after one warm-up request, so every answer is a HIT) and once with the cache off (TTL 0: every
// answer computed, but identical requests that arrive while one is computing share it, as in production), plus
// the uncached time of one request alone. Prints p50/p99 and requests/s per route; never asserts on them.
//
// Options: --records N (default 1,000,000), --connections N (50), --seconds N per route (8), --fresh.
//
// --domain-windows: issue 17's workload instead (see domain-windows.ts), on a data set of its own spread over
// 20 domains (database BENCH_DB_NAME, default dmarc_bench_domains; --per-report N records per report, 500):
// --clients N (8), --windows N (10).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureWindows } from './domain-windows.js';
import { load } from './load.js';
import {
  arg,
  flag,
  postgresAvailable,
  prepareDataset,
  startBenchServer,
  type BenchServer,
  type Engine,
  benchLogin,
} from './dataset.js';

interface Row {
  route: string;
  mode: 'cached' | 'uncached';
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  /** Uncached only: p50 with one connection, i.e. the time to compute one answer on an idle server. */
  single?: number;
}

async function measure(
  server: BenchServer,
  routes: string[],
  mode: Row['mode'],
  connections: number,
  seconds: number,
): Promise<Row[]> {
  const token = await benchLogin(server);
  const rows: Row[] = [];
  // Let V8 compile the server's hot paths first: otherwise the first route measured pays for it.
  await load(`${server.url}${routes[0]}`, token, connections, 3);
  for (const route of routes) {
    const url = `${server.url}${route}`;
    const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!first.ok) throw new Error(`${route}: ${first.status} ${await first.text()}`);
    const r = await load(url, token, connections, seconds);
    const single = mode === 'uncached' ? (await load(url, token, 1, 3)).latency.p50 : undefined;
    rows.push({
      route,
      mode,
      p50: r.latency.p50,
      p99: r.latency.p99,
      rps: r.requests.average,
      errors: r.errors + r.non2xx,
      ...(single === undefined ? {} : { single }),
    });
    console.log(
      `${mode.padEnd(8)} ${route.padEnd(70)} p50 ${String(r.latency.p50).padStart(5)} ms  p99 ${String(r.latency.p99).padStart(5)} ms  ${r.requests.average.toFixed(0).padStart(6)} req/s${single === undefined ? '' : `  alone p50 ${single} ms`}${r.non2xx + r.errors ? `  (${r.non2xx + r.errors} errors)` : ''}`,
    );
  }
  return rows;
}

const DOMAINS = 20;
// The routes that read rollup_source_daily with a domain filter.
const WINDOW_ROUTES = [
  '/api/rollup/sources?limit=10',
  '/api/rollup/trends',
  '/api/rollup/countries',
  '/api/rollup/senders',
];

async function domainWindows(): Promise<void> {
  process.env.BENCH_DB_NAME ??= 'dmarc_bench_domains';
  const wanted = Number(arg('records', '1000000'));
  const clients = Number(arg('clients', '8'));
  const windows = Number(arg('windows', '10'));
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-domains');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, Number(arg('per-report', '500')), DOMAINS);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);
  const server = await startBenchServer(engine, dataDir, { DMARC_CACHE_TTL_SECONDS: '0' });
  try {
    const rows = await measureWindows(server, WINDOW_ROUTES, { domains: DOMAINS, windows, last: data.last, clients });
    console.log(
      `\n${data.records.toLocaleString('en-US')} records on ${engine}, ${DOMAINS} domains x ${windows} windows, ${clients} clients, uncached:`,
    );
    console.log('| route | URLs | p50 | p99 | errors |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| \`${r.route}\` | ${r.requests} | ${r.p50} ms | ${r.p99} ms | ${r.errors} |`);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const wanted = Number(arg('records', '1000000'));
  const connections = Number(arg('connections', '50'));
  const seconds = Number(arg('seconds', '8'));
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-dashboard');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, 500);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);

  const from = new Date(Date.parse(`${data.last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const month = `from=${from}&to=${data.last}`;
  // What the dashboard's overview asks for (the last 30 days of data), plus the whole range and drill-downs.
  const routes = [
    `/api/rollup/summary?${month}`,
    '/api/rollup/summary',
    `/api/rollup/timeline?${month}`,
    '/api/rollup/timeline?interval=week',
    `/api/rollup/alignment?${month}`,
    `/api/rollup/trends?${month}`,
    `/api/rollup/sources?${month}&limit=10`,
    `/api/rollup/sources?${month}&limit=10&dmarc=fail`,
    `/api/rollup/reporters?${month}`,
    `/api/rollup/overrides?${month}`,
    `/api/domains?${month}`,
    `/api/stats/by-domain?${month}`,
    `/api/reports?${month}&limit=50`,
    `/api/records?${month}&limit=50`,
    `/api/records?${month}&limit=50&source_ip=10.0.0.0/8&dmarc=fail`,
  ];

  const rows: Row[] = [];
  for (const mode of ['cached', 'uncached'] as const) {
    const server = await startBenchServer(engine, dataDir, {
      DMARC_CACHE_TTL_SECONDS: mode === 'cached' ? '600' : '0',
    });
    try {
      rows.push(...(await measure(server, routes, mode, connections, seconds)));
    } finally {
      await server.stop();
    }
  }

  console.log(
    `\n${data.records.toLocaleString('en-US')} records on ${engine}, ${connections} connections, ${seconds} s per route:`,
  );
  console.log(
    '| route | cached p50 | cached p99 | cached req/s | uncached p50 | uncached p99 | uncached req/s | uncached, alone p50 |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const route of routes) {
    const c = rows.find((r) => r.route === route && r.mode === 'cached')!;
    const u = rows.find((r) => r.route === route && r.mode === 'uncached')!;
    console.log(
      `| \`${route}\` | ${c.p50} ms | ${c.p99} ms | ${c.rps.toFixed(0)} | ${u.p50} ms | ${u.p99} ms | ${u.rps.toFixed(0)} | ${u.single} ms |`,
    );
  }
}

await (flag('domain-windows') ? domainWindows() : main());
