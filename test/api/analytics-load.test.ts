// Analytics under load (hardening finding: 50 parallel uncached /api/rollup/sources from one API key made p99 21.6 s
// and /api/reports 18.6 s). A query that runs too long is answered 503 with Retry-After; one user's requests run at
// most DMARC_ANALYTICS_CONCURRENCY_PER_USER at a time; the cheap requests keep finding a connection. The blocking is
// made deterministic by holding a lock on the rollup table from another connection (PostgreSQL: only there can a
// query be interrupted).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_PASSWORD } from '../support/app.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { startApi, syntheticReport, upload, type TestApi } from './helpers.js';

const run = inject('postgresTemplate') !== null;

describe.runIf(run)('analytics under load on postgres', () => {
  let api: TestApi;
  let locker: pg.Client;
  beforeAll(async () => {
    api = await startApi('postgres', {
      DMARC_API_STATEMENT_TIMEOUT: '400ms',
      DMARC_ANALYTICS_CONCURRENCY_PER_USER: '3',
      DMARC_CACHE_TTL_SECONDS: '0',
    });
    await upload(api, [{ name: 'one.xml', bytes: syntheticReport(1) }]);
    await api.queue.drain();
    locker = new pg.Client({ connectionString: api.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await api?.close();
  });

  const lockRollups = async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE rollup_daily IN ACCESS EXCLUSIVE MODE');
  };
  const unlock = () => locker.query('ROLLBACK');
  const waitingOnLocks = async () =>
    (
      await locker.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      )
    ).rows[0]!.n;

  it('a query that runs out of time is answered 503 with Retry-After, never a hang', async () => {
    await lockRollups();
    try {
      const r = await api.inject('/api/rollup/summary?from=2020-01-01');
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'query_timeout' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await unlock();
    }
    expect((await api.inject('/api/rollup/summary?from=2020-01-01')).statusCode).toBe(200);
  });

  it("one user's parallel requests run a few at a time, and another user's cheap requests answer meanwhile", async () => {
    const { user } = await api.auth.createUser({
      email: 'other@example.com',
      name: 'other',
      password: TEST_PASSWORD,
      member: { orgId: DEFAULT_ORG_ID, role: 'viewer' },
    });
    const other = { authorization: `Bearer ${await api.auth.access.sign(user.id)}` };
    await lockRollups();
    let answers: Promise<number[]>;
    try {
      // twelve different (uncached) answers at once from the suites' user
      answers = Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          api.inject(`/api/rollup/summary?from=2020-01-${String(i + 1).padStart(2, '0')}`),
        ),
      ).then((rs) => rs.map((r) => r.statusCode));
      await new Promise((r) => setTimeout(r, 150));
      // at most three of them hold a connection, waiting on the lock; the others wait for their turn in the API
      expect(Number(await waitingOnLocks())).toBeLessThanOrEqual(3);
      // the cheap list of reports and another user's answers find a connection at once
      const reports = await api.app.inject({ method: 'GET', url: '/api/reports?limit=5', headers: other });
      expect(reports.statusCode).toBe(200);
    } finally {
      await unlock();
    }
    // released in time, the first ones answer; those that waited behind them answer or time out, never hang
    const statuses = await answers;
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });
});
