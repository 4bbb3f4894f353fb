// `npm run bench:senders`: /api/rollup/senders and /api/rollup/countries uncached (DMARC_CACHE_TTL_SECONDS=0) on
// the shared synthetic data set, in a database of its own (BENCH_DB_NAME, default dmarc_bench_senders): every
// source address gets an enrichment (a country, an AS; a PTR under a catalogue service's domain for a third of
// them, under one of 500 unknown providers' domains for another third, none for the rest), the real
// identification run names their senders, and three sender rules (a service approved, a CIDR range our own, a
// base domain not ours) make the answers apply rules. Prints p50/p99 alone (one connection) and at 10
// connections; never asserts on them.
//
// Options: --records N (default 1,000,000), --seconds N per route (8), --fresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../src/store/database.js';
import type { NewIpEnrichment } from '../src/store/ip-enrichment.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import {
  DEFAULT_ORG_ID,
  arg,
  benchDbUrl,
  flag,
  postgresAvailable,
  prepareDataset,
  startBenchServer,
  type Engine,
  benchLogin,
} from './dataset.js';
import { enrichAndIdentify } from './identified-sources.js';
import { load } from './load.js';

const SERVICES = ['sendgrid.net', 'google.com', 'outlook.com', 'amazonses.com', 'mcsv.net', 'mailgun.net'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'NL', 'IE', 'JP', 'BR', 'IN', 'SE', 'CA', 'AU'];

function enrichmentOf(ip: string, n: number): NewIpEnrichment {
  const kind = n % 3;
  const service = SERVICES[n % SERVICES.length]!;
  const provider = `isp${n % 500}.example.net`;
  const base = kind === 0 ? service : kind === 1 ? provider : null;
  return {
    ip,
    country: n % 11 === 0 ? null : COUNTRIES[n % COUNTRIES.length]!,
    asn: 64_512 + (n % 1000),
    asOrg: `Network ${n % 1000}`,
    region: null,
    city: null,
    latitude: null,
    longitude: null,
    ptr: base ? `mail-${n}.${base}` : null,
    fcrdns: base ? true : null,
    baseDomain: base,
    reserved: null,
    dnsStatus: base ? 'ok' : 'nxdomain',
  };
}

async function addRules(db: Database): Promise<void> {
  // the rules every run (a run may have been interrupted after the identification)
  await db.query(
    `INSERT INTO sender_rules (org_id, domain, kind, value, verdict, name) VALUES
       ($1, NULL, 'service', 'sendgrid', 'approved', NULL),
       ($1, 'example1.com', 'cidr', '10.1.0.0/16', 'own', 'our relays'),
       ($1, NULL, 'base_domain', 'isp7.example.net', 'not_ours', NULL)
     ON CONFLICT DO NOTHING`,
    [DEFAULT_ORG_ID],
  );
}

async function main(): Promise<void> {
  process.env.BENCH_DB_NAME ??= 'dmarc_bench_senders';
  const wanted = Number(arg('records', '1000000'));
  const seconds = Number(arg('seconds', '8'));
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-senders');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, 500);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);
  const db: Database =
    engine === 'postgres'
      ? await PostgresDatabase.open(benchDbUrl())
      : await PGliteDatabase.open(path.join(dataDir, 'pgdata'));
  try {
    await addRules(db);
    await enrichAndIdentify(db, enrichmentOf);
    const n = await db.query<{ ips: number; senders: number }>(
      `SELECT (SELECT count(*) FROM source_senders)::int8 AS ips,
         (SELECT count(DISTINCT sender_key) FROM source_senders)::int8 AS senders`,
    );
    console.log(`sources: ${n.rows[0]!.ips.toLocaleString('en-US')}, senders: ${n.rows[0]!.senders}`);
  } finally {
    await db.close();
  }

  const from = new Date(Date.parse(`${data.last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const month = `from=${from}&to=${data.last}`;
  const routes = [
    `/api/rollup/senders?${month}`,
    '/api/rollup/senders?period=all',
    `/api/rollup/senders?${month}&dmarc=fail`,
    `/api/rollup/countries?${month}`,
    '/api/rollup/countries?period=all',
    `/api/rollup/summary?${month}&country=DE`,
    `/api/rollup/summary?${month}&sender=sendgrid`,
  ];
  const server = await startBenchServer(engine, dataDir, { DMARC_CACHE_TTL_SECONDS: '0' });
  const rows: string[] = [];
  try {
    const token = await benchLogin(server);
    await load(`${server.url}${routes[0]}`, token, 2, 3); // warm-up
    for (const route of routes) {
      const first = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
      if (!first.ok) throw new Error(`${route}: ${first.status} ${await first.text()}`);
      const alone = await load(`${server.url}${route}`, token, 1, seconds);
      const busy = await load(`${server.url}${route}`, token, 10, seconds);
      const line = `| \`${route}\` | ${alone.latency.p50} ms | ${alone.latency.p99} ms | ${busy.latency.p50} ms | ${busy.latency.p99} ms | ${busy.requests.average.toFixed(0)} |`;
      console.log(line);
      rows.push(line);
    }
  } finally {
    await server.stop();
  }
  console.log(`\n${data.records.toLocaleString('en-US')} records on ${engine}, uncached, ${seconds} s per route:`);
  console.log('| route | alone p50 | alone p99 | 10 conn. p50 | 10 conn. p99 | 10 conn. req/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

await main();
