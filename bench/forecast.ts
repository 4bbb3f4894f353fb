// `npm run bench:forecast`: forecasts for 100 domains (messages and DMARC failure share, 7 days ahead), on an
// in-memory PGlite and, when a server answers (BENCH_POSTGRES_URL), on PostgreSQL in a database of its own
// (dmarc_bench_forecast, made afresh), both migrated as `dmarc serve` migrates them, holding 26 weeks of daily rollups per domain (a weekly
// pattern, a trend and noise, generated here). Prints, per run, the time of the model alone (fit + forecast +
// backtest) and of the whole uncached answer (rollup query + model), for all 100 domains one after the other;
// never asserts on them.
//
// Options: --domains N (default 100), --days N of history (182), --runs N (5).
import { forecastDomain, type ForecastMetric } from '../src/analytics/forecast/domain-forecast.js';
import { forecastSeries } from '../src/analytics/forecast/forecast.js';
import { MESSAGES_BOUNDS, SHARE_BOUNDS } from '../src/analytics/forecast/intervals.js';
import { dailySeries, failureShares, type DailySeries } from '../src/analytics/forecast/series.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { DEFAULT_ORG_ID, adminQuery, arg, benchDbUrl, postgresAvailable } from './dataset.js';

const DOMAINS = Number(arg('domains', '100'));
const DAYS = Number(arg('days', '182'));
const RUNS = Number(arg('runs', '5'));
const METRICS: ForecastMetric[] = ['messages', 'failure_rate'];

const ms = (t0: number) => performance.now() - t0;
const fmt = (v: number) => `${v.toFixed(0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(engine: string, db: Database): Promise<void> {
  {
    await migrate(db);
    // per domain and day: one passing and one failing rollup row; weekdays busy, weekends quiet, each domain its
    // own size, trend and failure share; a deterministic pseudo-noise from the day and domain numbers
    await db.query(
      `INSERT INTO domains (org_id, name) SELECT $1, 'bench' || d || '.example' FROM generate_series(1, $2) d`,
      [DEFAULT_ORG_ID, DOMAINS],
    );
    await db.query(
      `WITH g AS (
         SELECT d, t, (date '2026-12-02' - $3::int + t) AS day,
           greatest(0, round((100 * d) * (CASE WHEN extract(isodow FROM date '2026-12-02' - $3::int + t) > 5
             THEN 0.3 ELSE 1 END) * (1 + t * 0.002 * (d % 5 - 2)) * (1 + 0.1 * sin(t * 12.9898 + d * 78.233))))::bigint
             AS messages,
           (0.02 + (d % 10) * 0.01) AS share
         FROM generate_series(1, $2) d, generate_series(1, $3) t)
       INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, records, messages)
       SELECT $1, 'bench' || d || '.example', day, 'google.com', 'none', v.dkim, v.spf, 1,
         CASE WHEN v.dkim = 'pass' THEN messages - round(messages * share) ELSE round(messages * share) END
       FROM g, (VALUES ('pass', 'pass'), ('fail', 'fail')) v(dkim, spf)`,
      [DEFAULT_ORG_ID, DOMAINS, DAYS],
    );
    await db.query('ANALYZE rollup_daily');
    const domains = Array.from({ length: DOMAINS }, (_, i) => `bench${i + 1}.example`);
    const series = new Map<string, DailySeries>();
    for (const d of domains) series.set(d, await dailySeries(db, { orgId: DEFAULT_ORG_ID, domain: d }));
    console.log(
      `${engine}: ${DOMAINS} domains × ${series.get(domains[0]!)!.days.length} days of rollups, ` +
        `${METRICS.length} metrics, 7 days ahead; ${RUNS} runs`,
    );
    const model: number[] = [];
    const whole: number[] = [];
    const methods = new Map<string, number>();
    for (let run = 1; run <= RUNS; run++) {
      let t0 = performance.now();
      for (const d of domains) {
        const s = series.get(d)!;
        forecastSeries(s.messages, 7, MESSAGES_BOUNDS);
        forecastSeries(failureShares(s), 7, SHARE_BOUNDS);
      }
      model.push(ms(t0));
      t0 = performance.now();
      let wins = 0;
      for (const d of domains) {
        for (const metric of METRICS) {
          const f = await forecastDomain(db, { orgId: DEFAULT_ORG_ID, domain: d, metric, days: 7 });
          methods.set(f.method, (methods.get(f.method) ?? 0) + 1);
          if (f.backtestMae !== null && f.naiveMae !== null && f.backtestMae < f.naiveMae) wins++;
        }
      }
      whole.push(ms(t0));
      console.log(
        `run ${run}: model only ${fmt(model[run - 1]!)}, query + model ${fmt(whole[run - 1]!)} ` +
          `(${DOMAINS * METRICS.length} forecasts; Holt–Winters beat seasonal naive in ${wins})`,
      );
    }
    console.log(
      `${engine} median: model only ${fmt(median(model))}, query + model ${fmt(median(whole))} for ${DOMAINS} domains × ` +
        `${METRICS.length} metrics; methods ${JSON.stringify(Object.fromEntries(methods))}`,
    );
  }
}

async function main(): Promise<void> {
  const lite = await PGliteDatabase.open(undefined);
  try {
    await bench('PGlite (in memory)', lite);
  } finally {
    await lite.close();
  }
  if (!(await postgresAvailable())) {
    console.log('PostgreSQL: no server at BENCH_POSTGRES_URL, skipped');
    return;
  }
  process.env.BENCH_DB_NAME = 'dmarc_bench_forecast';
  await adminQuery('DROP DATABASE IF EXISTS dmarc_bench_forecast');
  await adminQuery('CREATE DATABASE dmarc_bench_forecast');
  const pgdb = await PostgresDatabase.open(benchDbUrl());
  try {
    await bench('PostgreSQL', pgdb);
  } finally {
    await pgdb.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
