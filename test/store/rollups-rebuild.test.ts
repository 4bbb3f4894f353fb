// The rollups are defined once (store/rollups.ts): what ingestion adds report by report (RollupDelta, in
// JavaScript) must equal what a rebuild from the records computes (SQL), row for row, for the whole corpus and in
// two organisations at once.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SINK } from '../../src/events/report-stored.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { findRollupDrift, listRollupSlices, rebuildRollupSlice } from '../../src/store/rollups.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { readManifest } from '../support/manifest.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';

const ROLLUP_TABLES = {
  rollup_daily: 'org_id, domain, day, reporter, disposition, dkim, spf',
  rollup_source_daily: 'org_id, domain, day, host(source_ip) AS ip, reporter, disposition, dkim, spf',
} as const;

describe.each(availableEngines())('rollups on %s: incremental equals rebuilt, for the corpus', (engine) => {
  let t: TestDatabase;
  let second: number;

  const snapshot = async (table: keyof typeof ROLLUP_TABLES) =>
    (
      await t.db.query(
        `SELECT ${ROLLUP_TABLES[table]}, records, messages, dkim_auth_pass, spf_auth_pass FROM ${table}
         ORDER BY 1, 2, 3 NULLS FIRST, 4, 5, 6, 7, 8`,
      )
    ).rows;

  beforeAll(async () => {
    t = await openEngine(engine);
    second = (await createOrg(t.db, 'second')).id;
    const rows = readManifest().filter((r) => r.kind === 'aggregate' || r.kind === 'other');
    // the whole corpus into the default organisation, every other file into the second one as well
    for (const [i, row] of rows.entries()) {
      const bytes = await fs.readFile(row.absPath);
      for (const orgId of i % 2 === 0 ? [DEFAULT_ORG_ID, second] : [DEFAULT_ORG_ID]) {
        const intake = await intakeFile(t.db, { orgId, bytes, name: row.path, source: 'cli' });
        if (intake.duplicate) continue;
        await processFile(t.db, { orgId, fileId: intake.fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK });
      }
    }
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('has data in both organisations and no drift', async () => {
    const orgs = await t.db.query<{ org_id: number; n: number }>(
      'SELECT org_id, count(*) AS n FROM rollup_source_daily GROUP BY 1 ORDER BY 1',
    );
    expect(orgs.rows.map((r) => r.org_id)).toEqual([DEFAULT_ORG_ID, second]);
    expect((await findRollupDrift(t.db)).drifted).toEqual([]);
  });

  it('rebuilding every slice from the records gives back exactly the rows ingestion wrote', async () => {
    const before = { daily: await snapshot('rollup_daily'), source: await snapshot('rollup_source_daily') };
    expect(before.daily.length).toBeGreaterThan(50);
    const slices = await listRollupSlices(t.db);
    expect(new Set(slices.map((s) => s.orgId))).toEqual(new Set([DEFAULT_ORG_ID, second]));
    for (const s of slices) await rebuildRollupSlice(t.db, s);
    expect(await snapshot('rollup_daily')).toEqual(before.daily);
    expect(await snapshot('rollup_source_daily')).toEqual(before.source);
  });

  it("a rebuild of one organisation's slice leaves the other's rows alone", async () => {
    const other = await t.db.query('SELECT * FROM rollup_daily WHERE org_id = $1 ORDER BY domain, day', [second]);
    // drift in the default organisation only, then repaired
    await t.db.query(`UPDATE rollup_daily SET messages = messages + 1000 WHERE org_id = $1`, [DEFAULT_ORG_ID]);
    const { drifted } = await findRollupDrift(t.db);
    expect(drifted.length).toBeGreaterThan(0);
    expect(drifted.every((s) => s.orgId === DEFAULT_ORG_ID)).toBe(true);
    for (const s of drifted) await rebuildRollupSlice(t.db, s);
    expect((await findRollupDrift(t.db)).drifted).toEqual([]);
    expect(
      (await t.db.query('SELECT * FROM rollup_daily WHERE org_id = $1 ORDER BY domain, day', [second])).rows,
    ).toEqual(other.rows);
  });
});
