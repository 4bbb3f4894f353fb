// `npm run bench:advice`: GET /api/domains/:domain/advice uncached (DMARC_CACHE_TTL_SECONDS=0) for one domain of
// the shared synthetic data set (5 domains), in a database of its own (BENCH_DB_NAME, default
// dmarc_bench_advice). Sources are enriched and identified as in bench:senders (a PTR under a catalogue service's
// domain for a third of the addresses, under one of 500 unknown providers' for another third), with a sender rule
// of each verdict, so that every class and the rules' join are exercised. Prints p50/p99 alone (one connection)
// and at 4 connections; never asserts on them.
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

const SERVICES = ['sendgrid.net', 'google.com', 'outlook.com', 'amazonses.com', 'mimecast.com', 'mailgun.net'];

function enrichmentOf(ip: string, n: number): NewIpEnrichment {
  const kind = n % 3;
  const base = kind === 0 ? SERVICES[n % SERVICES.length]! : kind === 1 ? `isp${n % 500}.example.net` : null;
  return {
    ip,
    country: null,
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
  await db.query(
    `INSERT INTO sender_rules (org_id, domain, kind, value, verdict, name) VALUES
       ($1, NULL, 'service', 'sendgrid', 'approved', NULL),
       ($1, 'example1.com', 'base_domain', 'isp3.example.net', 'own', 'our relays'),
       ($1, NULL, 'base_domain', 'isp7.example.net', 'not_ours', NULL)
     ON CONFLICT DO NOTHING`,
    [DEFAULT_ORG_ID],
  );
}

async function main(): Promise<void> {
  process.env.BENCH_DB_NAME ??= 'dmarc_bench_advice';
  const wanted = Number(arg('records', '1000000'));
  const seconds = Number(arg('seconds', '8'));
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-advice');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, 500);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);
  const db: Database =
    engine === 'postgres'
      ? await PostgresDatabase.open(benchDbUrl())
      : await PGliteDatabase.open(path.join(dataDir, 'pgdata'));
  let perDomain: { domain: string; records: number }[];
  try {
    await addRules(db);
    await enrichAndIdentify(db, enrichmentOf);
    const r = await db.query<{ domain: string; records: number }>(
      `SELECT domain, sum(record_count)::int8 AS records FROM reports WHERE org_id = $1 GROUP BY domain ORDER BY 1`,
      [DEFAULT_ORG_ID],
    );
    perDomain = r.rows.map((x) => ({ domain: x.domain, records: Number(x.records) }));
    console.log(
      `records per domain: ${perDomain.map((d) => `${d.domain} ${d.records.toLocaleString('en-US')}`).join(', ')}`,
    );
  } finally {
    await db.close();
  }

  const from = new Date(Date.parse(`${data.last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const routes = [
    `/api/domains/example1.com/advice?from=${from}&to=${data.last}`,
    '/api/domains/example1.com/advice?period=all',
    `/api/domains/example2.com/advice?from=${from}&to=${data.last}`,
  ];
  const server = await startBenchServer(engine, dataDir, { DMARC_CACHE_TTL_SECONDS: '0' });
  const rows: string[] = [];
  try {
    const token = await benchLogin(server);
    await load(`${server.url}${routes[0]}`, token, 1, 2); // warm-up
    for (const route of routes) {
      const first = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
      if (!first.ok) throw new Error(`${route}: ${first.status} ${await first.text()}`);
      const body = (await first.json()) as {
        messages: number;
        verdict: string;
        classification: { messages: number }[];
      };
      const alone = await load(`${server.url}${route}`, token, 1, seconds);
      const busy = await load(`${server.url}${route}`, token, 4, seconds);
      const line =
        `| \`${route}\` | ${body.messages.toLocaleString('en-US')} | ${alone.latency.p50} ms | ` +
        `${alone.latency.p99} ms | ${busy.latency.p50} ms | ${busy.latency.p99} ms | ${busy.requests.average.toFixed(1)} |`;
      console.log(line);
      rows.push(line);
    }
  } finally {
    await server.stop();
  }
  console.log(`\n${data.records.toLocaleString('en-US')} records on ${engine}, uncached, ${seconds} s per route:`);
  console.log('| route | messages | alone p50 | alone p99 | 4 conn. p50 | 4 conn. p99 | 4 conn. req/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

await main();
