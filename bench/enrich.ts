// `npm run bench:enrich`: enrichment of source IPs as the enrich-sources task and `dmarc enrich` do it — the
// organisation's sources read from its rollups page by page, looked up, stored in the shared ip_enrichment table.
//   1. without DNS (DMARC_RDNS=off): 100,000 distinct public addresses (IPv4 and IPv6), shipped country and AS
//      databases, stored — into PGlite and, when reachable, PostgreSQL;
//   2. with reverse DNS at the configured concurrency (DMARC_DNS_CONCURRENCY, default 16; --concurrency N to
//      compare) against a dns2 server on loopback in a child process (PTR, forward confirmation; 1 in 5 without a
//      PTR), --dns-ips addresses (default 20,000).
// Prints figures; never asserts on them. Flags: --ips N, --dns-ips N, --concurrency N, --only nodns|dns.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { SourceEnricher, type EnrichSettings } from '../src/enrich/enricher.js';
import { runEnrichment } from '../src/enrich/enrich-sources.js';
import { parseIp, v4Text } from '../src/enrich/ip-address.js';
import { shippedDatabases } from '../src/enrich/ip-databases.js';
import { reservedKindOf } from '../src/enrich/reserved.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { DEFAULT_ORG_ID, PG_ADMIN, adminQuery, arg, postgresAvailable } from './dataset.js';
import { startDnsServer } from './dns-server.js';
import { prng } from './generator.js';

const SELF = fileURLToPath(import.meta.url);

/** CPU seconds (user + system) of this process since `since`: on a busy machine, what the work itself took. */
function cpuSeconds(since: NodeJS.CpuUsage): string {
  const c = process.cpuUsage(since);
  return ((c.user + c.system) / 1e6).toFixed(2);
}

/** `n` distinct public addresses: 9 in 10 IPv4, the rest IPv6 in the global unicast space. */
function publicAddresses(n: number, seed: number): string[] {
  const rand = prng(seed);
  const out = new Set<string>();
  while (out.size < n) {
    let ip: string;
    if (rand() < 0.9) ip = v4Text(Math.floor(rand() * 0xe0000000) >>> 0);
    else {
      const g = Array.from({ length: 8 }, () => Math.floor(rand() * 0x10000).toString(16));
      g[0] = (0x2000 + Math.floor(rand() * 0x1000)).toString(16);
      ip = g.join(':');
    }
    const p = parseIp(ip);
    if (p && !reservedKindOf(p)) out.add(ip);
  }
  return [...out];
}

/** The addresses as an organisation's sources: one rollup_source_daily row each. */
async function loadSources(db: Database, ips: readonly string[]): Promise<void> {
  await db.query('DELETE FROM ip_enrichment');
  await db.query('DELETE FROM ip_enrichment_checks');
  await db.query('DELETE FROM rollup_source_daily WHERE org_id = $1', [DEFAULT_ORG_ID]);
  for (let i = 0; i < ips.length; i += 10_000) {
    await db.query(
      `INSERT INTO rollup_source_daily (org_id, domain, day, source_ip, reporter, disposition, dkim, spf,
         records, messages)
       SELECT $1, 'example.com', '2026-01-01', u.ip, 'bench', 'none', 'pass', 'pass', 1, 1
       FROM unnest($2::inet[]) AS u(ip)`,
      [DEFAULT_ORG_ID, ips.slice(i, i + 10_000)],
    );
  }
}

const settings = (rdns: boolean, dns: EnrichSettings['dns']): EnrichSettings => ({
  ttlDays: 90,
  negativeTtlMs: 86_400_000,
  rdns,
  dns,
  cityDb: null,
});

async function openEngines(): Promise<{ name: string; db: Database; drop: () => Promise<void> }[]> {
  const engines: { name: string; db: Database; drop: () => Promise<void> }[] = [];
  const lite = await PGliteDatabase.open(undefined);
  await migrate(lite);
  engines.push({ name: 'pglite', db: lite, drop: () => lite.close() });
  if (await postgresAvailable()) {
    const name = `dmarc_bench_enrich_${crypto.randomBytes(3).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(PG_ADMIN);
    url.pathname = `/${name}`;
    const db = await PostgresDatabase.open(url.toString());
    await migrate(db);
    engines.push({
      name: 'postgres',
      db,
      drop: async () => {
        await db.close();
        await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    });
  }
  return engines;
}

async function withoutDns(n: number): Promise<void> {
  const ips = publicAddresses(n, 7489);
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  const loadCpu = process.cpuUsage();
  await shippedDatabases();
  const loadMs = performance.now() - t;
  const loadMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  const enricher = await SourceEnricher.open(settings(false, { servers: null, timeoutMs: 1000, concurrency: 1 }));
  t = performance.now();
  const rows = await enricher.enrich(ips);
  const lookupMs = performance.now() - t;
  const located = rows.filter((r) => r.country).length;
  const withAs = rows.filter((r) => r.asn !== null).length;
  console.log(
    `shipped databases loaded in ${(loadMs / 1000).toFixed(2)} s (${cpuSeconds(loadCpu)} s CPU), ` +
      `+${Math.round(loadMb)} MB RSS (once per process); ` +
      `${n.toLocaleString('en')} lookups in ${(lookupMs / 1000).toFixed(2)} s ` +
      `(${Math.round(n / (lookupMs / 1000)).toLocaleString('en')}/s): ${((100 * located) / n).toFixed(1)}% located, ` +
      `${((100 * withAs) / n).toFixed(1)}% with an AS`,
  );
  for (const e of await openEngines()) {
    try {
      await loadSources(e.db, ips);
      t = performance.now();
      const cpu = process.cpuUsage();
      const r = await runEnrichment(e.db, enricher, { orgId: DEFAULT_ORG_ID, scope: 'all' }, { batchSize: 5000 });
      const s = (performance.now() - t) / 1000;
      console.log(
        `${e.name.padEnd(8)} no DNS: ${r.enriched.toLocaleString('en')} addresses read, looked up and stored in ` +
          `${s.toFixed(2)} s (${Math.round(r.enriched / s).toLocaleString('en')}/s); ${cpuSeconds(cpu)} s CPU in this ` +
          `process${e.name === 'pglite' ? ' (the database included)' : ' (the server not included)'}`,
      );
    } finally {
      await e.drop();
    }
  }
}

/** The loopback server of the DNS run (a child process, so that it does not share the enricher's event loop). */
function dnsChild(): Promise<{ address: string; stop: () => void }> {
  const child = spawn(process.execPath, [SELF, '--dns-server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve({ address: d.toString().trim(), stop: () => child.kill() }));
    child.once('exit', (code) => reject(new Error(`the DNS server exited with ${code}`)));
  });
}

/** host-a-b-c-d.bench.example PTRs that point back; addresses ending in 0-50 of 256 (1 in 5) have none. */
async function serveDns(): Promise<void> {
  const s = await startDnsServer(
    (name) => {
      const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
      if (v4) {
        if (Number(v4[1]) <= 50) return undefined;
        return { PTR: [`host-${v4[4]}-${v4[3]}-${v4[2]}-${v4[1]}.bench.example`] };
      }
      if (name.endsWith('.ip6.arpa')) {
        const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.').reverse().join('');
        return { PTR: [`v6-${nibbles}.bench.example`] };
      }
      const host = /^host-(\d+)-(\d+)-(\d+)-(\d+)\.bench\.example$/.exec(name);
      if (host) return { A: [`${host[1]}.${host[2]}.${host[3]}.${host[4]}`] };
      const v6 = /^v6-([0-9a-f]{32})\.bench\.example$/.exec(name);
      if (v6) return { AAAA: [v6[1]!.match(/.{4}/g)!.join(':')] };
      return undefined;
    },
    { record: false },
  );
  process.stdout.write(`${s.address}\n`);
  process.stdin.on('close', () => void s.close().then(() => process.exit(0)));
  process.stdin.resume();
}

async function withDns(n: number, concurrency: number): Promise<void> {
  const ips = publicAddresses(n, 1701);
  const server = await dnsChild();
  try {
    const enricher = await SourceEnricher.open(
      settings(true, { servers: [server.address], timeoutMs: 2000, concurrency }),
    );
    await enricher.preload();
    const lite = await PGliteDatabase.open(undefined);
    try {
      await migrate(lite);
      await loadSources(lite, ips);
      const t = performance.now();
      const cpu = process.cpuUsage();
      const r = await runEnrichment(lite, enricher, { orgId: DEFAULT_ORG_ID, scope: 'all' });
      const s = (performance.now() - t) / 1000;
      const cpuText = cpuSeconds(cpu);
      const counts = await lite.query<{ dns_status: string; fcrdns: boolean | null; n: number }>(
        'SELECT dns_status, fcrdns, count(*)::int8 AS n FROM ip_enrichment GROUP BY 1, 2 ORDER BY 1, 2',
      );
      console.log(
        `pglite   reverse DNS at concurrency ${concurrency}: ${r.enriched.toLocaleString('en')} addresses in ` +
          `${s.toFixed(2)} s (${Math.round(r.enriched / s).toLocaleString('en')} addresses/s, PTR + forward ` +
          `confirmation); ${counts.rows.map((c) => `${c.dns_status}${c.fcrdns === null ? '' : ` fcrdns=${c.fcrdns}`}: ${c.n}`).join(', ')}; ` +
          `timeouts ${enricher.dnsStats()?.timeouts ?? 0}; ${cpuText} s CPU in this process (not the DNS server's)`,
      );
    } finally {
      await lite.close();
    }
  } finally {
    server.stop();
  }
}

if (process.argv.includes('--dns-server')) {
  await serveDns();
} else {
  const only = arg('only', '');
  const configured = loadConfig(process.env).enrich.dns.concurrency;
  const os = await import('node:os');
  // the machine may be shared: figures are only comparable at a similar load
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (only !== 'dns') await withoutDns(Number(arg('ips', '100000')));
  if (only !== 'nodns') {
    const extra = Number(arg('concurrency', '0'));
    await withDns(Number(arg('dns-ips', '20000')), configured);
    if (extra > 0 && extra !== configured) await withDns(Number(arg('dns-ips', '20000')), extra);
  }
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
