import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate, migrationStatus } from '../../src/store/migrate.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { MIGRATIONS_DIR } from '../../src/store/paths.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { availableEngines, openEngine } from '../support/db.js';
import { POSTGRES_ADMIN_URL, withDatabaseName } from '../support/services.js';

describe.each(availableEngines())('migrations on %s', (engine) => {
  it('the template is at the latest version and migrating again does nothing', async () => {
    const t = await openEngine(engine);
    try {
      const s = await migrationStatus(t.db);
      expect(s.current).toBe(s.latest);
      expect(s.latest).toBeGreaterThanOrEqual(1);
      expect(await migrate(t.db)).toEqual([]);
    } finally {
      await t.drop();
    }
  });
});

describe('migrations from scratch', () => {
  it('apply on an empty PGlite database', async () => {
    const db = await PGliteDatabase.open(undefined);
    try {
      const applied = await migrate(db);
      expect(applied.length).toBeGreaterThanOrEqual(1);
      const tables = await db.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.t)).toEqual(
        expect.arrayContaining([
          'ingested_files',
          'file_contents',
          'reports',
          'records',
          'rollup_daily',
          'rollup_source_daily',
          'ip_enrichment',
          'ip_enrichment_checks',
          'source_senders',
          'source_sender_checks',
          'sender_rules',
        ]),
      );
    } finally {
      await db.close();
    }
  });

  it.runIf(inject('postgresTemplate') !== null)(
    'two processes migrating one PostgreSQL at once apply each migration once',
    async () => {
      const name = `dmarc_test_${inject('runId')}_mig_${crypto.randomBytes(3).toString('hex')}`;
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = withDatabaseName(POSTGRES_ADMIN_URL, name);
      const [a, b] = await Promise.all([PostgresDatabase.open(url), PostgresDatabase.open(url)]);
      try {
        const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
        expect(new Set([...ra, ...rb]).size).toBe(ra.length + rb.length);
        // every migration file once (versions may have gaps while parallel work lands)
        expect(ra.length + rb.length).toBe(fs.readdirSync(MIGRATIONS_DIR).filter((f) => /\.do\./.test(f)).length);
        expect((await migrationStatus(a)).current).toBe((await migrationStatus(a)).latest);
      } finally {
        await a.close();
        await b.close();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});
