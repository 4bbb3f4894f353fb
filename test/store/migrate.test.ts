import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate, migrationStatus } from '../../src/store/migrate.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { MIGRATIONS_DIR } from '../../src/store/paths.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { latestMigrationVersion, schemaIsCurrent } from '../../src/store/schema-version.js';
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

  it('the quick check every command makes agrees with the migrator', async () => {
    const t = await openEngine(engine);
    try {
      const s = await migrationStatus(t.db);
      expect(latestMigrationVersion()).toBe(s.latest);
      expect(await schemaIsCurrent(t.db)).toBe(true);
      // one version behind: the check says so, and migrating applies that version again
      await t.db.query('DELETE FROM schema_migrations WHERE version = $1', [s.latest]);
      expect(await schemaIsCurrent(t.db)).toBe(false);
    } finally {
      await t.drop();
    }
  });
});

describe('the quick schema check', () => {
  it('says a new database (no schema table) is not current', async () => {
    const db = await PGliteDatabase.open(undefined);
    try {
      expect(await schemaIsCurrent(db)).toBe(false);
      await migrate(db);
      expect(await schemaIsCurrent(db)).toBe(true);
    } finally {
      await db.close();
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
