// `npm run bench:export-csv`: GET /api/export/records.csv (and the NDJSON of it) of the shared synthetic data set
// streamed from a real `dmarc serve`, in a database of its own (BENCH_DB_NAME, default dmarc_bench_export): rows
// per second as the client receives them, and the server's resident memory (VmRSS, sampled every 50 ms) above
// what it was before the export. Then an export the client drops after 1 MB: the server stops reading (its
// memory does not grow, its next answer is prompt). Prints figures; never asserts on them.
//
// Options: --records N (default 1,000,000), --runs N (2), --only TEXT (the exports whose URL holds it), --fresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, flag, postgresAvailable, prepareDataset, startBenchServer, type Engine, benchLogin } from './dataset.js';

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

interface Run {
  rows: number;
  bytes: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
}

async function download(url: string, token: string, pid: number, stopAfterBytes?: number): Promise<Run> {
  const rssBefore = rssMb(pid);
  let rssPeak = rssBefore;
  const timer = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 50);
  const abort = new AbortController();
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  let lines = 0;
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      if (stopAfterBytes !== undefined && bytes >= stopAfterBytes) {
        abort.abort();
        break;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rssPeak = Math.max(rssPeak, rssMb(pid));
  const csv = url.includes('format=json') ? 0 : 1; // the CSV header line
  return { rows: lines - csv, bytes, seconds, rssBefore, rssPeak };
}

async function main(): Promise<void> {
  process.env.BENCH_DB_NAME ??= 'dmarc_bench_export';
  const wanted = Number(arg('records', '1000000'));
  const runs = Number(arg('runs', '2'));
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-export');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, 500);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);

  const server = await startBenchServer(engine, dataDir, { DMARC_EXPORT_RATE_PER_MINUTE: '1000' });
  const pid = server.child.pid!;
  const lines: string[] = [];
  try {
    const token = await benchLogin(server);
    // warm-up: the code paths loaded, the first pages' plans made
    await download(`${server.url}/api/export/records.csv`, token, pid, 5 * 1024 * 1024);
    const from = new Date(Date.parse(`${data.last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const exports = [
      '/api/export/records.csv',
      '/api/export/records.csv?format=json',
      `/api/export/records.csv?from=${from}&to=${data.last}&dmarc=fail`,
      '/api/export/reports.csv',
      '/api/export/sources.csv',
    ];
    const only = arg('only', '');
    for (const route of exports.filter((r) => r.includes(only))) {
      for (let i = 0; i < runs; i++) {
        const r = await download(`${server.url}${route}`, token, pid);
        const line =
          `| \`${route}\` | ${r.rows.toLocaleString('en-US')} | ${(r.bytes / 1024 / 1024).toFixed(0)} MB | ` +
          `${r.seconds.toFixed(2)} s | ${Math.round(r.rows / r.seconds).toLocaleString('en-US')} | ` +
          `${r.rssBefore.toFixed(0)} MB | +${(r.rssPeak - r.rssBefore).toFixed(1)} MB |`;
        console.log(line);
        lines.push(line);
      }
    }
    // the client goes away after 1 MB: the server stops reading pages
    const cut = await download(`${server.url}/api/export/records.csv`, token, pid, 1024 * 1024);
    const t0 = Date.now();
    const next = await fetch(`${server.url}/api/rollup/summary`, { headers: { authorization: `Bearer ${token}` } });
    await next.text();
    console.log(
      `dropped after ${(cut.bytes / 1024 / 1024).toFixed(1)} MB in ${cut.seconds.toFixed(2)} s: RSS +${(cut.rssPeak - cut.rssBefore).toFixed(1)} MB, ` +
        `next request answered in ${Date.now() - t0} ms`,
    );
  } finally {
    await server.stop();
  }
  console.log(`\n${data.records.toLocaleString('en-US')} records on ${engine}, ${runs} runs each:`);
  console.log('| export | rows | size | time | rows/s | server RSS before | RSS growth (peak) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const l of lines) console.log(l);
}

await main();
