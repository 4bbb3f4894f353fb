// After an upgrade that changes how reporters are named (migration 012, or a new table of known reporters), the
// stored reports are renamed once and the rollups recounted under the new names: every figure stays the same in
// total, per reporter it follows the new name, and nothing drifts; another organisation's data is its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SINK } from '../../src/events/report-stored.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { REPORTER_NAMES_VERSION } from '../../src/model/reporter-name.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { syncReporterNames } from '../../src/store/reporter-names.js';
import { findRollupDrift, lockRollups, rebuildReportersIn } from '../../src/store/rollups.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';

function report(org: string, email: string, id: string, count: number, reason?: string): string {
  return `<?xml version="1.0"?><feedback><report_metadata><org_name>${org}</org_name><email>${email}</email>
    <report_id>${id}</report_id><date_range><begin>1717200000</begin><end>1717286399</end></date_range>
    </report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>
    <record><row><source_ip>192.0.2.1</source_ip><count>${count}</count><policy_evaluated>
    <disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
    ${reason ? `<reason><type>${reason}</type></reason>` : ''}</policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record></feedback>`;
}

const REPORTS: [string, string, string, number, string?][] = [
  ['google.com', 'noreply-dmarc-support@google.com', 'g1', 10, 'forwarded'],
  ['Google, Inc.', 'noreply-dmarc-support@google.com', 'g2', 5],
  ['"Acme Mail"', 'dmarc@acme.example', 'a1', 3],
  ['Outlook.com', 'dmarcreport@microsoft.com', 'm1', 2, 'local_policy'],
];

describe.each(availableEngines())('reporter names on %s', (engine) => {
  let t: TestDatabase;
  let second: number;

  const byReporter = async (table: string, orgId: number): Promise<Record<string, number>> =>
    Object.fromEntries(
      (
        await t.db.query<{ reporter: string; messages: number }>(
          `SELECT reporter, sum(messages)::int8 AS messages FROM ${table} WHERE org_id = $1 GROUP BY 1 ORDER BY 1`,
          [orgId],
        )
      ).rows.map((r) => [r.reporter, Number(r.messages)]),
    );

  beforeAll(async () => {
    t = await openEngine(engine);
    second = (await createOrg(t.db, 'second')).id;
    for (const orgId of [DEFAULT_ORG_ID, second]) {
      for (const [org, email, id, count, reason] of REPORTS) {
        if (orgId === second && id !== 'g1') continue;
        const bytes = Buffer.from(report(org, email, id, count, reason));
        const intake = await intakeFile(t.db, { orgId, bytes, name: `${id}.xml`, source: 'cli' });
        if (intake.duplicate) continue;
        await processFile(t.db, { orgId, fileId: intake.fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK });
      }
    }
  });

  afterAll(async () => {
    await t?.drop();
  });

  it('stores new reports under their canonical name and keeps the name as written', async () => {
    const r = await t.db.query<{ reporter_org: string; reporter: string }>(
      'SELECT reporter_org, reporter FROM reports WHERE org_id = $1 ORDER BY report_id',
      [DEFAULT_ORG_ID],
    );
    expect(r.rows).toEqual([
      { reporter_org: '"Acme Mail"', reporter: 'Acme Mail' },
      { reporter_org: 'google.com', reporter: 'Google' },
      { reporter_org: 'Google, Inc.', reporter: 'Google' },
      { reporter_org: 'Outlook.com', reporter: 'Microsoft' },
    ]);
    expect(await byReporter('rollup_daily', DEFAULT_ORG_ID)).toEqual({ 'Acme Mail': 3, Google: 15, Microsoft: 2 });
  });

  it('renames what an older version stored, recounts the rollups once, and then does nothing', async () => {
    // The state before migration 012's first start: every report and rollup row under the name as written.
    await t.db.transaction(async (tx) => {
      await lockRollups(tx);
      await tx.query('UPDATE reports SET reporter = reporter_org');
      for (const orgId of [DEFAULT_ORG_ID, second]) {
        await rebuildReportersIn(tx, orgId, ['Google', 'Acme Mail', 'Microsoft', ...REPORTS.map((x) => x[0])]);
      }
      await tx.query(`UPDATE reporter_names_state SET version = ''`);
    });
    expect(await byReporter('rollup_source_daily', DEFAULT_ORG_ID)).toEqual({
      '"Acme Mail"': 3,
      'google.com': 10,
      'Google, Inc.': 5,
      'Outlook.com': 2,
    });
    expect(await byReporter('report_reasons', DEFAULT_ORG_ID)).toEqual({ 'google.com': 20, 'Outlook.com': 4 });

    const renamed = await syncReporterNames(t.db);
    expect(renamed.reports).toBe(5);
    expect(renamed.orgIds.sort()).toEqual([DEFAULT_ORG_ID, second].sort());
    for (const table of ['rollup_daily', 'rollup_source_daily']) {
      expect(await byReporter(table, DEFAULT_ORG_ID), table).toEqual({ 'Acme Mail': 3, Google: 15, Microsoft: 2 });
      expect(await byReporter(table, second), table).toEqual({ Google: 10 });
    }
    // reason rows count a record with a reason under that reason and under '*': twice its messages
    expect(await byReporter('report_reasons', DEFAULT_ORG_ID)).toEqual({ Google: 20, Microsoft: 4 });
    expect((await findRollupDrift(t.db)).drifted).toEqual([]);
    const state = await t.db.query<{ version: string }>('SELECT version FROM reporter_names_state');
    expect(state.rows[0]!.version).toBe(REPORTER_NAMES_VERSION);
    expect(await syncReporterNames(t.db)).toEqual({ reports: 0, orgIds: [] });
  });
});
