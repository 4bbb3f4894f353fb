// Memory and responsiveness of the embedded server (PGlite, in-process queue) under large uploads: one file of
// ~49 MiB, then three at once (each within the upload limit), while /health is asked every 100 ms. Prints the
// server's peak RSS (sampled from /proc every 100 ms, and VmHWM at the end), the slowest /health answer, the
// server's own longest event-loop delay (from its /metrics: what held it, whatever the network and the bench did)
// and the time until every file is processed. `--engine postgres` runs the same on the local PostgreSQL.
//
//   npm run bench:upload-memory [-- --mib 49 --engine pglite|postgres --cpu-prof DIR]
//
// --cpu-prof DIR: the server writes V8 CPU profiles (its main thread and the embedded database's) into DIR, to
// find what holds its event loop (open them in Chrome's DevTools).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { adminQuery, arg, dbName, postgresAvailable, startBenchServer, type Engine, benchLogin } from './dataset.js';
import { syntheticReportChunks } from './generator.js';

// just under the default upload limit of a file (50 MiB)
const MIB = Number(arg('mib', '49'));
const ENGINE = arg('engine', 'pglite') as Engine;
const CPU_PROF = arg('cpu-prof', '');

/** Bytes per record of the generator's reports (measured on a sample: the shape of its records is fixed). */
function bytesPerRecord(): number {
  let n = 0;
  for (const chunk of syntheticReportChunks({ seed: 1, records: 2000 })) n += Buffer.byteLength(chunk);
  return n / 2000;
}

/** A synthetic aggregate report of about `mib` MiB. */
async function writeReport(file: string, seed: number): Promise<number> {
  const records = Math.floor((MIB * 1024 * 1024) / bytesPerRecord());
  const h = await fs.open(file, 'w');
  try {
    let buf = '';
    for (const chunk of syntheticReportChunks({ seed, records, reportId: `upload-memory-${seed}` })) {
      buf += chunk;
      if (buf.length > 1 << 20) {
        await h.write(buf);
        buf = '';
      }
    }
    await h.write(buf);
  } finally {
    await h.close();
  }
  return (await fs.stat(file)).size;
}

function rssOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  return fs
    .readFile(`/proc/${pid}/status`, 'utf8')
    .then((s) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024)
    .catch(() => 0);
}

const gb = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GB`;

// /health asked every 100 ms and the server's RSS read between the asks, in a thread of the bench's own: the
// uploads' work in the bench's main thread (reading and sending 3 x 49 MiB) must not delay the asking.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs/promises');
const { url, pid } = workerData;
let done = false, peak = 0, slowest = 0, failures = 0;
parentPort.once('message', () => (done = true));
const rss = () => fs.readFile('/proc/' + pid + '/status', 'utf8')
  .then((s) => Number((/VmRSS:\\s+(\\d+) kB/.exec(s) || [])[1] || 0) * 1024).catch(() => 0);
(async () => {
  while (!done) {
    peak = Math.max(peak, await rss());
    const t0 = performance.now();
    const ok = await fetch(url + '/health', { signal: AbortSignal.timeout(60000) }).then((r) => r.ok, () => false);
    slowest = Math.max(slowest, performance.now() - t0);
    if (!ok) failures++;
    await new Promise((r) => setTimeout(r, 100));
  }
  parentPort.postMessage({ peak, slowest, failures });
})();
`;

interface ProbeResult {
  peak: number;
  slowest: number;
  failures: number;
}

function startProbe(url: string, pid: number): { stop(): Promise<ProbeResult> } {
  const worker = new Worker(PROBE, { eval: true, workerData: { url, pid } });
  const result = new Promise<ProbeResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

/** The server's longest event-loop delay (seconds) since the previous call, from its /metrics. */
async function loopLagMax(url: string, auth: Record<string, string>): Promise<number> {
  const r = await fetch(`${url}/metrics`, { headers: auth });
  if (!r.ok) throw new Error(`/metrics: ${r.status}`);
  const m = /^dmarc_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(await r.text());
  return Number(m?.[1] ?? NaN);
}

async function main(): Promise<void> {
  if (ENGINE === 'postgres' && !(await postgresAvailable())) throw new Error('PostgreSQL is not reachable');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-bench-upload-'));
  const files: { path: string; size: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const p = path.join(dir, `report-${i}.xml`);
    files.push({ path: p, size: await writeReport(p, 1000 + i) });
  }
  console.log(`${files.length} synthetic reports of ${(files[0]!.size / 1024 ** 2).toFixed(1)} MiB each (${ENGINE})`);
  if (ENGINE === 'postgres') {
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName()}`);
    await adminQuery(`CREATE DATABASE ${dbName()}`);
  }
  const dataDir = path.join(dir, 'data');
  const nodeArgs = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(CPU_PROF)] : [];
  const server = await startBenchServer(ENGINE, dataDir, {}, nodeArgs);
  const pid = server.child.pid!;
  try {
    const token = await benchLogin(server);
    const auth = { authorization: `Bearer ${token}` };
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await rssOf(pid, 'VmRSS');
    console.log(`idle RSS ${gb(idle)}`);

    const round = async (label: string, batch: typeof files): Promise<void> => {
      // the server's own longest event-loop stall in the round (prom-client's gauge, reset by each scrape)
      await loopLagMax(server.url, auth);
      const probe = startProbe(server.url, pid);
      const t0 = performance.now();
      const ids = await Promise.all(
        batch.map(async (f) => {
          const form = new FormData();
          form.append('files', new Blob([await fs.readFile(f.path)]), path.basename(f.path));
          const r = await fetch(`${server.url}/api/upload`, { method: 'POST', headers: auth, body: form });
          if (r.status !== 202 && r.status !== 200) throw new Error(`upload: ${r.status} ${await r.text()}`);
          const body = (await r.json()) as { results: { status: string; fileId: number | null }[] };
          return body.results.map((x) => {
            if (x.status !== 'accepted' || x.fileId === null) throw new Error(`upload: ${JSON.stringify(x)}`);
            return x.fileId;
          });
        }),
      );
      const accepted = performance.now() - t0;
      for (const id of ids.flat()) {
        for (;;) {
          const r = await fetch(`${server.url}/api/files/${id}`, { headers: auth });
          const s = ((await r.json()) as { status: string }).status;
          if (s !== 'pending' && s !== 'processing') {
            if (s !== 'processed') throw new Error(`file ${id}: ${s}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const total = performance.now() - t0;
      const { peak, slowest, failures } = await probe.stop();
      const lag = await loopLagMax(server.url, auth);
      console.log(
        `${label}: accepted in ${(accepted / 1000).toFixed(1)} s, processed in ${(total / 1000).toFixed(1)} s; ` +
          `peak RSS ${gb(peak)}; slowest /health ${slowest.toFixed(0)} ms` +
          (failures ? `, ${failures} failed` : '') +
          `; server's longest event-loop delay ${(lag * 1000).toFixed(0)} ms`,
      );
    };
    await round('one upload', files.slice(0, 1));
    await round('three at once', files.slice(1, 4));
    console.log(`VmHWM (peak RSS of the process) ${gb(await rssOf(pid, 'VmHWM'))}`);
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
    if (ENGINE === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${dbName()}`).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
