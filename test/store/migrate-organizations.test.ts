// Migration 005 (organisations) on a database as it was at migration 004 with the whole corpus imported (the
// fixture test/fixtures/db-004-corpus.sql.gz was dumped from such a database, made by the code of that time):
// every figure is unchanged, every row belongs to the default organisation, and users keep their access.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { summarise } from '../../src/analytics/summary.js';
import { timeline } from '../../src/analytics/timeline.js';
import { listReports } from '../../src/analytics/reports.js';
import type { Database } from '../../src/store/database.js';
import { findRollupDrift } from '../../src/store/rollups.js';
import { migrate, migrationStatus } from '../../src/store/migrate.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { expectationOf, expectedTime, readManifest } from '../support/manifest.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { POSTGRES_ADMIN_URL, withDatabaseName } from '../support/services.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'db-004-corpus.sql.gz');

const engines = inject('postgresTemplate') ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

interface Before {
  totals: { reports: number; records: number; messages: number; dmarc_pass: number };
  perReport: Map<string, { records: number; messages: number }>;
  rollupMessages: number;
  sourceMessages: number;
  reasons: number;
}

async function figuresAt004(db: Database): Promise<Before> {
  const totals = (
    await db.query<Before['totals']>(
      `SELECT count(*) AS reports, coalesce(sum(record_count), 0) AS records,
         coalesce(sum(message_count), 0) AS messages, coalesce(sum(dmarc_pass), 0) AS dmarc_pass FROM reports`,
    )
  ).rows[0]!;
  const rows = await db.query<{ k: string; records: number; messages: number }>(
    `SELECT json_build_array(org_name, report_id, domain, extract(epoch FROM begin_at)::int8)::text AS k,
       record_count AS records, message_count AS messages FROM reports`,
  );
  const one = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
  return {
    totals,
    perReport: new Map(rows.rows.map((r) => [r.k, { records: r.records, messages: r.messages }])),
    rollupMessages: await one('SELECT coalesce(sum(messages), 0) AS n FROM rollup_daily'),
    sourceMessages: await one('SELECT coalesce(sum(messages), 0) AS n FROM rollup_source_daily'),
    reasons: await one('SELECT count(*) AS n FROM report_reasons'),
  };
}

describe.each(engines)('migration 005 on %s with the corpus at 004', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  let before: Before;

  beforeAll(async () => {
    if (engine === 'pglite') {
      const lite = await PGliteDatabase.open(undefined);
      db = lite;
      drop = () => lite.close();
    } else {
      const name = `dmarc_test_${inject('runId')}_m005_${crypto.randomBytes(3).toString('hex')}`;
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const p = await PostgresDatabase.open(withDatabaseName(POSTGRES_ADMIN_URL, name));
      db = p;
      drop = async () => {
        await p.close();
        const a = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      };
    }
    expect(await migrate(db, '004')).toEqual([1, 2, 3, 4]);
    await db.exec(gunzipSync(fs.readFileSync(FIXTURE)).toString('utf8'));
    // users of that time: an admin and a viewer (roles on the user)
    await db.query(
      `INSERT INTO users (email, name, role, password_hash) VALUES
         ('old-admin@example.com', 'Admin', 'admin', 'x'), ('old-viewer@example.com', 'Viewer', 'viewer', 'x')`,
    );
    before = await figuresAt004(db);
    expect(before.totals.reports).toBeGreaterThan(50);
    await migrate(db);
  });
  afterAll(async () => {
    await drop?.();
  });

  it('is at the latest version', async () => {
    const s = await migrationStatus(db);
    expect(s.current).toBe(s.latest);
  });

  it('moves every row into the default organisation', async () => {
    const orgs = await db.query<{ id: number; slug: string }>('SELECT id, slug FROM organizations');
    expect(orgs.rows).toEqual([{ id: DEFAULT_ORG_ID, slug: 'default' }]);
    for (const table of [
      'ingested_files',
      'reports',
      'records',
      'rollup_daily',
      'rollup_source_daily',
      'report_reasons',
    ]) {
      const r = await db.query<{ n: number; other: number }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE org_id <> ${DEFAULT_ORG_ID}) AS other FROM ${table}`,
      );
      expect(r.rows[0]!.n, table).toBeGreaterThan(0);
      expect(r.rows[0]!.other, table).toBe(0);
    }
    const domains = await db.query<{ name: string }>('SELECT name FROM domains WHERE org_id = $1 ORDER BY 1', [
      DEFAULT_ORG_ID,
    ]);
    const reported = await db.query<{ domain: string }>('SELECT DISTINCT domain FROM reports ORDER BY 1');
    expect(domains.rows.map((d) => d.name)).toEqual(reported.rows.map((d) => d.domain));
  });

  it('keeps every figure: totals, each report, the rollups, and they still match the records', async () => {
    const s = await summarise(db, { orgId: DEFAULT_ORG_ID });
    expect(s.totals.reports).toBe(before.totals.reports);
    expect(s.totals.records).toBe(before.totals.records);
    expect(s.totals.messages).toBe(before.totals.messages);
    expect(s.totals.dmarcPass).toBe(before.totals.dmarc_pass);
    expect(before.rollupMessages).toBe(before.totals.messages);
    expect(before.sourceMessages).toBe(before.totals.messages);
    const after = await db.query<{ k: string; records: number; messages: number }>(
      `SELECT json_build_array(reporter_org, report_id, domain, extract(epoch FROM begin_at)::int8)::text AS k,
         record_count AS records, message_count AS messages FROM reports`,
    );
    expect(new Map(after.rows.map((r) => [r.k, { records: r.records, messages: r.messages }]))).toEqual(
      before.perReport,
    );
    expect((await db.query<{ n: number }>('SELECT count(*) AS n FROM report_reasons')).rows[0]!.n).toBe(before.reasons);
    expect((await findRollupDrift(db)).drifted).toEqual([]);
    const days = await timeline(db, { orgId: DEFAULT_ORG_ID }, 'month');
    expect(days.reduce((a, d) => a + d.messages, 0)).toBeLessThanOrEqual(before.totals.messages);
    const page = await listReports(db, { orgId: DEFAULT_ORG_ID }, { sort: 'begin', order: 'desc', limit: 1000 });
    expect(page.total).toBe(before.totals.reports);
  });

  it('the figures are the corpus ground truth', async () => {
    const stored = new Map(
      (
        await db.query<{ k: string; records: number; messages: number }>(
          `SELECT json_build_array(reporter_org, report_id, domain, extract(epoch FROM begin_at)::int8)::text AS k,
             record_count AS records, message_count AS messages FROM reports`,
        )
      ).rows.map((r) => [JSON.stringify(JSON.parse(r.k)), r]),
    );
    // Reporters resend a report under one identity, sometimes with other contents: the first file imported wins,
    // so a stored report must equal one of the manifest's versions of its identity.
    const versions = new Map<string, { records: number; messages: number }[]>();
    for (const row of readManifest()) {
      for (const r of expectationOf(row)?.reports ?? []) {
        const k = JSON.stringify([r.org_name ?? '', r.report_id, r.domain.toLowerCase(), expectedTime(r.begin)]);
        versions.set(k, [...(versions.get(k) ?? []), { records: r.records, messages: r.count_sum }]);
      }
    }
    let checked = 0;
    for (const [k, options] of versions) {
      const got = stored.get(k);
      expect(got, k).toBeDefined();
      expect(options, k).toContainEqual({ records: got!.records, messages: got!.messages });
      checked++;
    }
    expect(stored.size).toBe(versions.size);
    expect(checked).toBeGreaterThan(50);
  });

  it('users keep their access: roles become memberships of the default organisation, admins platform admins', async () => {
    const r = await db.query<{ email: string; role: string; platform_admin: boolean }>(
      `SELECT u.email, m.role, u.platform_admin FROM users u JOIN memberships m ON m.user_id = u.id
       WHERE m.org_id = $1 ORDER BY u.email`,
      [DEFAULT_ORG_ID],
    );
    expect(r.rows).toEqual([
      { email: 'old-admin@example.com', role: 'admin', platform_admin: true },
      { email: 'old-viewer@example.com', role: 'viewer', platform_admin: false },
    ]);
  });

  it('identities are per organisation: the same report in another organisation is stored, not a duplicate', async () => {
    const other = await db.query<{ id: number }>(
      `INSERT INTO organizations (slug, name) VALUES ('second', 'Second') RETURNING id`,
    );
    const orgId = other.rows[0]!.id;
    const file = await db.query<{ id: number }>(
      `INSERT INTO ingested_files (org_id, sha256, source, name, size)
       SELECT $1, sha256, source, name, size FROM ingested_files WHERE org_id = $2 ORDER BY id LIMIT 1 RETURNING id`,
      [orgId, DEFAULT_ORG_ID],
    );
    const copied = await db.query(
      `INSERT INTO reports (org_id, file_id, reporter_org, reporter, report_id, domain, begin_at, schema)
       SELECT $1, $2, reporter_org, reporter, report_id, domain, begin_at, schema FROM reports WHERE org_id = $3
       ORDER BY id LIMIT 1`,
      [orgId, file.rows[0]!.id, DEFAULT_ORG_ID],
    );
    expect(copied.rowCount).toBe(1);
  });
});
