// `npm run bench:export-pdf`: the PDF report (src/exports/pdf, as GET /api/export/report.pdf and `dmarc export
// pdf` make it) for one domain of the shared synthetic data set, in a database of its own (BENCH_DB_NAME, default
// dmarc_bench_pdf), its sources enriched (a country, an AS, a PTR for two thirds) and their senders identified, so
// that every section has content. Prints the time to read the figures and to draw the pages, the size and the page
// count, per run and as the median; never asserts on them. The goal of issue 19: under 3 s.
//
// Options: --records N (default 1,000,000), --runs N (5), --domain D (example1.com), --fresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runIdentification } from '../src/enrich/identify-sources.js';
import { renderReport } from '../src/exports/pdf/report.js';
import type { Database } from '../src/store/database.js';
import { upsertEnrichments, type NewIpEnrichment } from '../src/store/ip-enrichment.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { DEFAULT_ORG_ID, arg, benchDbUrl, flag, postgresAvailable, prepareDataset, type Engine } from './dataset.js';

const SERVICES = ['sendgrid.net', 'google.com', 'outlook.com', 'amazonses.com', 'mcsv.net', 'mailgun.net'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'NL', 'IE', 'JP', 'BR', 'IN', 'SE', 'CA', 'AU'];

function enrichmentOf(ip: string, n: number): NewIpEnrichment {
  const kind = n % 3;
  const base = kind === 0 ? SERVICES[n % SERVICES.length]! : kind === 1 ? `isp${n % 500}.example.net` : null;
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

async function enrichAndIdentify(db: Database): Promise<void> {
  const have = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM source_senders WHERE org_id = $1', [
    DEFAULT_ORG_ID,
  ]);
  if (have.rows[0]!.n > 0) return;
  const ips = await db.query<{ ip: string }>(
    'SELECT DISTINCT host(source_ip) AS ip FROM rollup_source_daily WHERE org_id = $1 AND source_ip IS NOT NULL',
    [DEFAULT_ORG_ID],
  );
  const t0 = Date.now();
  const rows = ips.rows.map((r, i) => enrichmentOf(r.ip, i));
  for (let i = 0; i < rows.length; i += 10_000) await upsertEnrichments(db, rows.slice(i, i + 10_000));
  const r = await runIdentification(db, { orgId: DEFAULT_ORG_ID, scope: 'all' });
  console.log(
    `enriched ${rows.length.toLocaleString('en-US')} addresses, identified ${r.identified.toLocaleString('en-US')} ` +
      `in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  await db.query('ANALYZE');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  process.env.BENCH_DB_NAME ??= 'dmarc_bench_pdf';
  const wanted = Number(arg('records', '1000000'));
  const runs = Number(arg('runs', '5'));
  const domain = arg('domain', 'example1.com');
  const engine: Engine = (await postgresAvailable()) ? 'postgres' : 'pglite';
  const dataDir = path.join(os.tmpdir(), 'dmarc-bench-pdf');
  if (flag('fresh')) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const data = await prepareDataset(engine, dataDir, wanted, 500);
  console.log(`data: ${data.records.toLocaleString('en-US')} records, ${data.first} to ${data.last} (${engine})`);
  const db: Database =
    engine === 'postgres'
      ? await PostgresDatabase.open(benchDbUrl())
      : await PGliteDatabase.open(path.join(dataDir, 'pgdata'));
  try {
    await enrichAndIdentify(db);
    const from = new Date(Date.parse(`${data.last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const cases = [
      { name: `${domain}, last 30 days`, filter: { orgId: DEFAULT_ORG_ID, domain, from, to: data.last } },
      { name: `${domain}, all time`, filter: { orgId: DEFAULT_ORG_ID, domain, period: 'all' as const } },
      { name: 'all domains, last 30 days', filter: { orgId: DEFAULT_ORG_ID, from, to: data.last } },
    ];
    // the first rendering loads the fonts (16 MB of CJK faces) and warms the database's caches
    const w0 = performance.now();
    await renderReport(db, { orgName: 'Bench organisation', filter: cases[0]!.filter });
    console.log(`first report (fonts loaded, caches cold): ${(performance.now() - w0).toFixed(0)} ms`);
    console.log('');
    console.log(
      '| report | runs | query ms (median) | draw ms (median) | total ms (median / max) | size KiB | pages |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const c of cases) {
      const q: number[] = [];
      const d: number[] = [];
      const t: number[] = [];
      let size = 0;
      let pages = 0;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const r = await renderReport(db, { orgName: 'Bench organisation', filter: c.filter });
        t.push(performance.now() - t0);
        q.push(r.timings.queryMs);
        d.push(r.timings.drawMs);
        size = r.pdf.length;
        pages = (r.pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
      }
      console.log(
        `| ${c.name} | ${runs} | ${median(q).toFixed(0)} | ${median(d).toFixed(0)} | ` +
          `${median(t).toFixed(0)} / ${Math.max(...t).toFixed(0)} | ${(size / 1024).toFixed(0)} | ${pages} |`,
      );
    }
  } finally {
    await db.close();
  }
}

await main();
