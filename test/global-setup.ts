// Once per test run: a migrated PGlite database dumped to a file, and (when PostgreSQL is there) a migrated
// template database. Each test file then copies one instead of migrating its own (PGlite takes ~5 s to start).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/store/migrate.js';
import { PGliteDatabase } from '../src/store/pglite.js';
import { PostgresDatabase } from '../src/store/postgres.js';
import { POSTGRES_ADMIN_URL, postgresReachable, servicesRequired, withDatabaseName } from './support/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
    runId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = crypto.randomBytes(4).toString('hex');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-test-'));

  const lite = await PGliteDatabase.open(undefined);
  await migrate(lite);
  const dump = await lite.dump();
  await lite.close();
  const templateFile = path.join(dir, 'pglite-template.tar');
  await fs.writeFile(templateFile, Buffer.from(await dump.arrayBuffer()));

  let pgTemplate: string | null = null;
  if (await postgresReachable()) {
    pgTemplate = `dmarc_tpl_${runId}`;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pgTemplate}`);
    await admin.end();
    const db = await PostgresDatabase.open(withDatabaseName(POSTGRES_ADMIN_URL, pgTemplate), { max: 1 });
    await migrate(db);
    await db.close();
  } else if (servicesRequired) {
    throw new Error(`REQUIRE_SERVICES=1 but PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}`);
  } else {
    console.warn(`PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: PostgreSQL suites will be skipped`);
  }

  project.provide('pgliteTemplate', templateFile);
  project.provide('postgresTemplate', pgTemplate);
  project.provide('runId', runId);

  return async () => {
    await fs.rm(dir, { recursive: true, force: true });
    if (pgTemplate) {
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pgTemplate} WITH (FORCE)`);
      await admin.end();
    }
  };
}
