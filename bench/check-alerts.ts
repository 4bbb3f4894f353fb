// `npm run bench:check-alerts`: the check-alerts evaluation (alerts/evaluate.ts: every enabled rule read in one
// read-only snapshot, then the lifecycle in one transaction) over 100 domains and 20 rules — every rule type,
// most of them on every domain — on a generated data set: by default 2,000 reports of 500 records (1,000,000
// records), one report per domain and day for 20 days, loaded through the real import pipeline (rollups
// included) into a PostgreSQL database kept between runs (dmarc_bench_alerts; --fresh reloads it), or into a
// throw-away PGlite with --engine pglite. Each domain's senders are a pool of 400 addresses that recur day after
// day, as in real data; --random-ips makes nearly every record a new address (the generator's default: the worst
// case, where new_sender finds tens of thousands of breaches; kept in dmarc_bench_alerts_random). Prints the first run (which opens the alerts and creates their
// deliveries), the steady state (the same evaluation again: nothing changes), and each rule alone. Figures only;
// never asserts on them. Flags: --records N (default 1000000), --engine postgres|pglite, --runs N (default 5),
// --random-ips, --fresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { evaluateOrg, evaluateRule } from '../src/alerts/evaluate.js';
import { createRule, type RuleInput } from '../src/alerts/rules-admin.js';
import { NO_SINK } from '../src/events/report-stored.js';
import { importFiles } from '../src/ingest/import-files.js';
import { DEFAULT_UNPACK_LIMITS } from '../src/parse/types.js';
import { insertChannel } from '../src/store/alert-channels.js';
import { listRules } from '../src/store/alert-rules.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { DEFAULT_ORG_ID, PG_ADMIN, adminQuery, arg, flag, postgresAvailable } from './dataset.js';
import { syntheticReportXml } from './generator.js';

const RANDOM_IPS = flag('random-ips');
const DB_NAME = RANDOM_IPS ? 'dmarc_bench_alerts_random' : 'dmarc_bench_alerts';
const DOMAINS = 100;
const PER_REPORT = 500;
const FIRST_DAY = Date.UTC(2026, 0, 1) / 1000;
const ADMIN = { id: null, email: 'bench@example.com' };

const domainOf = (i: number): string => `domain${String(i).padStart(3, '0')}.example`;

/** 20 rules: every type, most on every domain, a few on one domain. */
function rules(channel: number): RuleInput[] {
  const all = (name: string, type: string, params: Record<string, unknown> = {}, domain: string | null = null) => ({
    name,
    type,
    domain,
    severity: 'warning' as const,
    channels: [channel],
    params,
  });
  return [
    all('failure rate 10 %', 'failure_rate'),
    all('failure rate 20 % over 48 h', 'failure_rate', { threshold: 0.2, windowHours: 48 }),
    all('failure rate 40 %', 'failure_rate', { threshold: 0.4, criticalThreshold: 0.6 }),
    all('failure rate domain000', 'failure_rate', { threshold: 0.05 }, domainOf(0)),
    all('volume x3', 'volume_change'),
    all('volume up x2', 'volume_change', { factor: 2, direction: 'up' }),
    all('volume down x2 domain001', 'volume_change', { factor: 2, direction: 'down' }, domainOf(1)),
    all('new sender', 'new_sender'),
    all('new sender 100 msgs', 'new_sender', { minMessages: 100, lookbackDays: 30 }),
    all('new sender 48 h', 'new_sender', { windowHours: 48 }),
    all('sender failing', 'sender_failing'),
    all('sender failing 30 %', 'sender_failing', { threshold: 0.3, baselineDays: 14 }),
    all('sender failing domain002', 'sender_failing', {}, domainOf(2)),
    all('missing reports', 'missing_reports'),
    all('missing reports 2 days', 'missing_reports', { days: 2, minReportDays: 5 }),
    all('missing reports domain003', 'missing_reports', { days: 1, minReportDays: 3 }, domainOf(3)),
    all('policy weakened', 'policy_weakened'),
    all('policy weakened 14 days', 'policy_weakened', { windowDays: 14 }),
    all('ingest failing', 'ingest_failing'),
    all('ingest failing 5 min', 'ingest_failing', { minutes: 5 }),
  ];
}

async function load(db: Database, records: number): Promise<number> {
  const reports = Math.ceil(records / PER_REPORT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-alerts-'));
  process.stdout.write(`generating ${reports} reports of ${PER_REPORT} records over ${DOMAINS} domains… `);
  for (let i = 0; i < reports; i++) {
    const day = Math.floor(i / DOMAINS);
    const xml = syntheticReportXml({
      seed: 5000 + i,
      records: PER_REPORT,
      reportId: `alerts-${i}`,
      domain: domainOf(i % DOMAINS),
      begin: FIRST_DAY + day * 86_400,
      ipPool: 400,
      stableIps: !RANDOM_IPS,
    });
    fs.writeFileSync(path.join(dir, `r-${String(i).padStart(5, '0')}.xml.gz`), gzipSync(xml));
  }
  process.stdout.write('loading… ');
  const t0 = performance.now();
  const s = await importFiles(db, [dir], {
    orgId: DEFAULT_ORG_ID,
    sink: NO_SINK,
    limits: DEFAULT_UNPACK_LIMITS,
    concurrency: db.kind === 'postgres' ? 2 : 1,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (s.failed > 0) throw new Error(`load failed: ${JSON.stringify(s.failures.slice(0, 3))}`);
  console.log(`${s.records.toLocaleString('en-US')} records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (db.kind === 'postgres') await db.query('ANALYZE');
  return reports;
}

async function open(engine: string, records: number): Promise<{ db: Database; close: () => Promise<void> }> {
  if (engine === 'pglite') {
    const db = await PGliteDatabase.open(undefined);
    await migrate(db);
    await load(db, records);
    return { db, close: () => db.close() };
  }
  if (flag('fresh')) await adminQuery(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount === 1;
  await c.end();
  if (!exists) await adminQuery(`CREATE DATABASE ${DB_NAME}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${DB_NAME}`;
  const db = await PostgresDatabase.open(url.toString());
  await migrate(db);
  const have = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM records')).rows[0]!.n;
  if (have === 0) await load(db, records);
  else if (have < records) throw new Error(`${DB_NAME} holds ${have} records; run with --fresh`);
  else console.log(`${DB_NAME}: ${have.toLocaleString('en-US')} records (kept from an earlier run; --fresh reloads)`);
  return { db, close: () => db.close() };
}

const ms = (t0: number): number => performance.now() - t0;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main(): Promise<void> {
  const records = Number(arg('records', '1000000'));
  const runs = Number(arg('runs', '5'));
  const wanted = arg('engine', 'postgres');
  const engine = wanted === 'postgres' && !(await postgresAvailable()) ? 'pglite' : wanted;
  if (engine !== wanted) console.log('PostgreSQL does not answer: PGlite');
  const { db, close } = await open(engine, records);
  try {
    // a clean slate of rules, channels and alerts each run (the data set is kept)
    for (const table of [
      'alert_deliveries',
      'alert_events',
      'alerts',
      'alert_suppressions',
      'alert_rules',
      'alert_channels',
    ]) {
      await db.query(`DELETE FROM ${table} WHERE org_id = $1`, [DEFAULT_ORG_ID]);
    }
    const span = (
      await db.query<{ last: string; domains: number; records: number }>(
        `SELECT to_char(max(day), 'YYYY-MM-DD') AS last, count(DISTINCT domain)::int AS domains,
           (SELECT count(*)::int FROM records) AS records FROM reports WHERE org_id = $1`,
        [DEFAULT_ORG_ID],
      )
    ).rows[0]!;
    // the evaluation's clock: noon of the day after the last report's
    const now = new Date(Date.parse(`${span.last}T12:00:00Z`) + 86_400_000);
    const ch = await insertChannel(
      db,
      DEFAULT_ORG_ID,
      {
        name: 'bench hook',
        type: 'webhook',
        config: { url: 'https://hooks.example/x', secret: 'x'.repeat(20) },
        enabled: true,
      },
      now,
    );
    for (const r of rules(ch.id)) await createRule(db, DEFAULT_ORG_ID, r, ADMIN, now);
    console.log(
      `${engine}: ${span.records.toLocaleString('en-US')} records, ${span.domains} domains, 20 rules, ${RANDOM_IPS ? 'a new address in nearly every record' : 'senders recurring daily'}, evaluated at ${now.toISOString()}`,
    );

    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const first = await evaluateOrg({ db, now }, DEFAULT_ORG_ID);
    const firstMs = ms(t0);
    const firstCpu = process.cpuUsage(cpu0);
    const steady: number[] = [];
    let last = first;
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      last = await evaluateOrg({ db, now }, DEFAULT_ORG_ID);
      steady.push(ms(t0));
    }
    const perRule: { name: string; type: string; ms: number; breaches: number }[] = [];
    await db.readOnly(60_000, async (q) => {
      for (const rule of await listRules(db, DEFAULT_ORG_ID, { enabledOnly: true })) {
        t0 = performance.now();
        const b = await evaluateRule({ db: q, now }, DEFAULT_ORG_ID, rule);
        perRule.push({ name: rule.name, type: rule.type, ms: ms(t0), breaches: b.length });
      }
    });
    console.log(
      `first run: ${firstMs.toFixed(0)} ms (${((firstCpu.user + firstCpu.system) / 1000).toFixed(0)} ms CPU in this process) — ` +
        `${first.breaches} breaches, ${first.opened} alerts opened, ${first.deliveries.length} deliveries, ` +
        `${first.failedRules.length} rules failed${first.failedRules.length ? `: ${JSON.stringify(first.failedRules)}` : ''}`,
    );
    console.log(
      `again (${runs} runs, same data): median ${pct(steady, 0.5).toFixed(0)} ms, max ${Math.max(...steady).toFixed(0)} ms — ` +
        `${last.opened} opened, ${last.updated} updated, ${last.deliveries.length} deliveries`,
    );
    console.log('each rule alone (ms, breaches):');
    for (const r of perRule)
      console.log(`  ${r.ms.toFixed(0).padStart(6)}  ${String(r.breaches).padStart(4)}  ${r.name} (${r.type})`);
    console.log(
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await close();
  }
}

await main();
