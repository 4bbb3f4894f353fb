// Per-test-file databases copied from the run's migrated templates (see global-setup.ts).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { PGliteThreadDatabase } from '../../src/store/pglite-thread.js';
import { PostgresDatabase } from '../../src/store/postgres.js';
import { POSTGRES_ADMIN_URL, withDatabaseName } from './services.js';

export interface TestDatabase {
  db: Database;
  /** For PostgreSQL: the URL of this test's own database (e.g. for a child process). */
  url?: string;
  drop(): Promise<void>;
}

export type Engine = 'pglite' | 'postgres';

/**
 * The suites run on PGlite in the test's own thread (fast to start); DMARC_TEST_PGLITE_THREAD=1 runs them on
 * PGlite in a thread of its own instead, as the servers do (test/store/pglite-thread.test.ts covers it always).
 */
const THREADED = process.env.DMARC_TEST_PGLITE_THREAD === '1';

export async function openPglite(): Promise<TestDatabase> {
  const bytes = await fs.readFile(inject('pgliteTemplate'));
  const db = THREADED
    ? await PGliteThreadDatabase.open(undefined, {
        loadDataDir: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      })
    : await PGliteDatabase.open(undefined, { loadDataDir: new Blob([bytes]) });
  return { db, drop: () => db.close() };
}

/** A fresh PostgreSQL database made from the migrated template; dropped by drop(). */
export async function openPostgres(): Promise<TestDatabase> {
  const template = inject('postgresTemplate');
  if (!template) throw new Error('PostgreSQL is not available in this run');
  const name = `dmarc_test_${inject('runId')}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (err) {
        // Two files copying the template at the same instant: try again shortly.
        if (attempt >= 10 || !String(err).includes('being accessed by other users')) throw err;
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(POSTGRES_ADMIN_URL, name);
  const db = await PostgresDatabase.open(url);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The engines this run can test: PGlite always, PostgreSQL when the global setup found it. */
export function availableEngines(): Engine[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

export function openEngine(engine: Engine): Promise<TestDatabase> {
  return engine === 'pglite' ? openPglite() : openPostgres();
}
