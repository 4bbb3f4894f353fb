// refresh-rollups (drift found and repaired from the records) and retention (old reports, their records, rollups
// and files; expired refresh tokens only when that table exists; old task history), on every engine.
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticReportXml } from '../../bench/generator.js';
import { MemoryCache } from '../../src/analytics/cache.js';
import { summarise } from '../../src/analytics/summary.js';
import { loadJobsConfig } from '../../src/config/jobs.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { applyRetention, retentionCutoff } from '../../src/store/maintenance.js';
import { findRollupDrift } from '../../src/store/rollups.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK, cacheSink } from '../support/org.js';

const DAY = 86_400;
const NOW = new Date('2024-06-30T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

/** Reports that began 100, 40 and 5 days before NOW, 2 domains. */
async function seed(t: TestDatabase): Promise<void> {
  let seed = 1;
  for (const age of [100, 40, 5]) {
    for (const domain of ['a.example', 'b.example']) {
      const xml = syntheticReportXml({
        seed: seed++,
        records: 30,
        domain,
        begin: nowSeconds - age * DAY,
        reportId: `r-${age}-${domain}`,
      });
      const { fileId } = await intakeFile(t.db, {
        orgId: DEFAULT_ORG_ID,
        bytes: gzipSync(xml),
        name: `${age}-${domain}.xml.gz`,
        source: 'cli',
      });
      await processFile(t.db, { orgId: DEFAULT_ORG_ID, fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK });
      await t.db.query(`UPDATE ingested_files SET received_at = $2::timestamptz WHERE id = $1`, [
        fileId,
        new Date((nowSeconds - (age - 1) * DAY) * 1000).toISOString(),
      ]);
    }
  }
}

async function count(t: TestDatabase, table: string): Promise<number> {
  return (await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n;
}

describe.each(availableEngines())('maintenance on %s', (engine) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openEngine(engine);
    await seed(t);
  });
  afterEach(async () => {
    await t.drop();
  });

  it('refresh-rollups finds slices that drifted from the reports, rebuilds them, and warms the cache', async () => {
    const before = await summarise(t.db, { orgId: DEFAULT_ORG_ID });
    expect(await findRollupDrift(t.db)).toEqual({ slices: 6, drifted: [] });
    // Damage: counts changed by hand in one slice, rows lost in another, an orphan row in a third.
    await t.db.query(`UPDATE rollup_daily SET messages = messages + 7 WHERE domain = 'a.example' AND day = $1::date`, [
      retentionCutoff(100, NOW),
    ]);
    await t.db.query(`DELETE FROM rollup_source_daily WHERE domain = 'b.example' AND day = $1::date`, [
      retentionCutoff(40, NOW),
    ]);
    await t.db.query(
      `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, records, messages)
       VALUES ($1, 'ghost.example', '2024-01-01', 'nobody', 'none', 'pass', 'pass', 1, 99)`,
      [DEFAULT_ORG_ID],
    );
    const drift = await findRollupDrift(t.db);
    expect(drift.drifted.map((s) => s.domain).sort()).toEqual(['a.example', 'b.example', 'ghost.example']);
    expect(drift.drifted.map((s) => s.orgId)).toEqual([DEFAULT_ORG_ID, DEFAULT_ORG_ID, DEFAULT_ORG_ID]);

    const cache = new MemoryCache(300);
    const queue = new InProcessQueue({ history: new TaskHistory(t.db) });
    let warmed = 0;
    const h = taskHandlers({
      db: t.db,
      queue,
      cache,
      limits: DEFAULT_UNPACK_LIMITS,
      sink: cacheSink(cache),
      warmCache: async () => ++warmed,
    });
    expect(await h['refresh-rollups']({})).toEqual({ slices: 7, repaired: 3, warmed: 1 });
    expect((await cache.stats(DEFAULT_ORG_ID)).invalidations).toBe(1);
    expect(await findRollupDrift(t.db)).toEqual({ slices: 6, drifted: [] });
    const after = await summarise(t.db, { orgId: DEFAULT_ORG_ID });
    expect(after.totals).toEqual(before.totals);
    expect(after.domains).toEqual(before.domains);
    await queue.close();
  });

  it('retention keeps everything by default, and deletes what began before the cutoff when set', async () => {
    const reports = await count(t, 'reports');
    const records = await count(t, 'records');
    const kept = await applyRetention(t.db, { retentionDays: null, historyDays: 14, now: NOW });
    expect(kept).toMatchObject({ cutoff: null, orgIds: [], reports: 0, records: 0, files: 0 });
    expect(await count(t, 'reports')).toBe(reports);

    const r = await applyRetention(t.db, { retentionDays: 30, historyDays: 14, now: NOW });
    expect(r).toMatchObject({ cutoff: '2024-05-31', orgIds: [DEFAULT_ORG_ID], reports: 4, records: 120, files: 4 });
    expect(await count(t, 'reports')).toBe(reports - 4);
    expect(await count(t, 'records')).toBe(records - 120);
    expect(await count(t, 'ingested_files')).toBe(2);
    expect(await count(t, 'file_contents')).toBe(2);
    const oldRollups = await t.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM rollup_daily WHERE day < '2024-05-31')
            + (SELECT count(*) FROM rollup_source_daily WHERE day < '2024-05-31') AS n`,
    );
    expect(oldRollups.rows[0]!.n).toBe(0);
    expect(await findRollupDrift(t.db)).toEqual({ slices: 2, drifted: [] });
  });

  it('retention deletes expired refresh tokens only where that table exists, and old task history', async () => {
    await t.db.exec('DROP TABLE IF EXISTS refresh_tokens CASCADE');
    const history = new TaskHistory(t.db);
    await history.queued('old', 'retention', {}, 1);
    await history.completed('old', {});
    await t.db.query(`UPDATE task_runs SET finished_at = now() - interval '20 days' WHERE id = 'old'`);
    await history.queued('new', 'retention', {}, 1);
    await history.completed('new', {});
    const without = await applyRetention(t.db, { retentionDays: null, historyDays: 14 });
    expect(without).toMatchObject({ refreshTokens: 0, taskRuns: 1 });
    expect((await t.db.query<{ id: string }>('SELECT id FROM task_runs')).rows.map((x) => x.id)).toEqual(['new']);

    await t.db.exec(`CREATE TABLE refresh_tokens (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);
      INSERT INTO refresh_tokens (expires_at) VALUES (now() - interval '1 day'), (now() - interval '1 minute'),
        (now() + interval '6 days');`);
    const cache = new MemoryCache(300);
    const queue = new InProcessQueue();
    const h = taskHandlers({
      db: t.db,
      queue,
      cache,
      limits: DEFAULT_UNPACK_LIMITS,
      jobs: { ...loadJobsConfig({}).jobs, retentionDays: null },
      sink: NO_SINK,
    });
    expect(await h.retention({})).toMatchObject({ refreshTokens: 2 });
    expect(await count(t, 'refresh_tokens')).toBe(1);
    await queue.close();
  });

  it('retention keeps every DNS check that recorded a change, and the first and latest of each domain', async () => {
    const other = (
      await t.db.query<{ id: number }>(`INSERT INTO organizations (slug, name) VALUES ('other', 'Other') RETURNING id`)
    ).rows[0]!.id;
    // [org, domain, age in days, changed]
    const checks: [number, string, number, boolean][] = [
      [DEFAULT_ORG_ID, 'a.example', 200, false], // first: kept
      [DEFAULT_ORG_ID, 'a.example', 150, false], // old, unchanged: deleted
      [DEFAULT_ORG_ID, 'a.example', 120, true], // a change: kept
      [DEFAULT_ORG_ID, 'a.example', 100, false], // deleted
      [DEFAULT_ORG_ID, 'a.example', 10, false], // recent: kept
      [DEFAULT_ORG_ID, 'a.example', 1, false], // latest: kept
      [DEFAULT_ORG_ID, 'b.example', 300, false], // first and latest: kept
      [other, 'a.example', 200, false], // the other organisation's own first: kept
      [other, 'a.example', 150, false], // deleted
      [other, 'a.example', 140, false], // its latest: kept
    ];
    for (const [org, domain, age, changed] of checks) {
      await t.db.query(
        `INSERT INTO dns_checks (org_id, domain, checked_at, trigger, records, changes, digest)
         VALUES ($1, $2, $3, 'scheduled', '{}'::jsonb, $4::jsonb, $5)`,
        [org, domain, new Date(NOW.getTime() - age * DAY * 1000), changed ? '[{"kind":"x"}]' : '[]', 'a'.repeat(64)],
      );
    }
    const r = await applyRetention(t.db, { retentionDays: null, historyDays: 14, dnsHistoryDays: 90, now: NOW });
    expect(r.dnsChecks).toBe(3);
    const left = await t.db.query<{ org: number; domain: string; age: number }>(
      `SELECT org_id AS org, domain, round(extract(epoch FROM $1::timestamptz - checked_at) / 86400)::int AS age
       FROM dns_checks ORDER BY org_id, domain, checked_at`,
      [NOW],
    );
    expect(left.rows.map((x) => [x.org, x.domain, x.age])).toEqual([
      [DEFAULT_ORG_ID, 'a.example', 200],
      [DEFAULT_ORG_ID, 'a.example', 120],
      [DEFAULT_ORG_ID, 'a.example', 10],
      [DEFAULT_ORG_ID, 'a.example', 1],
      [DEFAULT_ORG_ID, 'b.example', 300],
      [other, 'a.example', 200],
      [other, 'a.example', 140],
    ]);
    // a second run finds nothing more
    expect(
      (await applyRetention(t.db, { retentionDays: null, historyDays: 14, dnsHistoryDays: 90, now: NOW })).dnsChecks,
    ).toBe(0);
  });
});
