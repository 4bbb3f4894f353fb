// Read-only queries side by side (the PDF report's): on PostgreSQL each statement runs in its own read-only
// transaction, so two slow ones overlap instead of queueing, each under the statement timeout, and none can write;
// on the embedded engine they simply run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStatementTimeout } from '../../src/store/database.js';
import { readOnlyQueries } from '../../src/store/read-only-queries.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';

describe.each(availableEngines())('readOnlyQueries on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openEngine(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('answers queries with their parameters', async () => {
    const q = readOnlyQueries(t.db, 10_000);
    const [a, b] = await Promise.all([q.query('SELECT $1::int + 1 AS n', [1]), q.query("SELECT 'x' AS s")]);
    expect(a.rows).toEqual([{ n: 2 }]);
    expect(b.rows).toEqual([{ s: 'x' }]);
    await expect(q.copyFrom('organizations', ['slug'], 'x\n')).rejects.toThrow(/read-only/);
  });

  it.runIf(engine === 'postgres')('runs statements side by side, each read-only and under the timeout', async () => {
    const q = readOnlyQueries(t.db, 10_000);
    const t0 = performance.now();
    await Promise.all([
      q.query('SELECT pg_sleep(0.6)'),
      q.query('SELECT pg_sleep(0.6)'),
      q.query('SELECT pg_sleep(0.6)'),
    ]);
    // queued on one connection they would take 1.8 s
    expect(performance.now() - t0).toBeLessThan(1500);
    const err = await readOnlyQueries(t.db, 100)
      .query('SELECT pg_sleep(2)')
      .catch((e: unknown) => e);
    expect(isStatementTimeout(err)).toBe(true);
    await expect(q.query("INSERT INTO organizations (slug, name) VALUES ('ro', 'ro')")).rejects.toThrow(/read-only/);
  });
});
