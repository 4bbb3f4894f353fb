// Crash safety on the real thing: a `dmarc worker` process (BullMQ on Redis, PostgreSQL) is killed with SIGKILL in
// the middle of a batch; a new worker picks up the jobs the dead one held, and every report ends up stored exactly
// once — none lost, none duplicated.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml, type SyntheticTotals } from '../../bench/generator.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { listTaskRuns } from '../../src/store/task-runs.js';
import { processFileKey } from '../../src/jobs/queue.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { inject } from 'vitest';
import { openPostgres, type TestDatabase } from '../support/db.js';
import { REDIS_URL, servicesRequired } from '../support/services.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { bullmqAvailable, dropPrefix, startDmarc, testPrefix, waitFor, type Child } from './support.js';

const FILES = 24;
const RECORDS = 4000;

const havePostgres = inject('postgresTemplate') !== null;
if (!havePostgres && servicesRequired) throw new Error('REQUIRE_SERVICES=1 but PostgreSQL is not available');
const ready = havePostgres && (await bullmqAvailable('the worker crash suite'));
if (!havePostgres) console.warn('PostgreSQL not available: the worker crash suite is skipped');

describe.runIf(ready)('a worker killed in the middle of a batch', () => {
  let t: TestDatabase;
  let prefix: string;
  const children: Child[] = [];

  beforeAll(async () => {
    t = await openPostgres();
    prefix = testPrefix('crash');
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await dropPrefix(prefix);
    await t?.drop();
  });

  it('loses and duplicates nothing once another worker took over', async () => {
    const expected: SyntheticTotals = { records: 0, messages: 0, dmarcPass: 0 };
    const history = new TaskHistory(t.db);
    const producer = new BullMqQueue({
      redisUrl: REDIS_URL,
      prefix,
      history,
      maxAttempts: 5,
      backoffMs: 100,
      lockDurationMs: 2000,
      stalledIntervalMs: 1000,
    });
    for (let i = 0; i < FILES; i++) {
      const xml = syntheticReportXml({ seed: 7000 + i, records: RECORDS, reportId: `crash-${i}` }, expected);
      const { fileId } = await intakeFile(t.db, {
        orgId: DEFAULT_ORG_ID,
        bytes: gzipSync(xml),
        name: `crash-${i}.xml.gz`,
        source: 'api',
      });
      await producer.enqueue('process-file', { orgId: DEFAULT_ORG_ID, fileId }, { dedupeKey: processFileKey(fileId) });
    }

    const env = {
      DATABASE_URL: t.url,
      REDIS_URL,
      DMARC_QUEUE_PREFIX: prefix,
      // a dead worker's jobs are taken over quickly in this test (default: 20 s lock, 15 s check)
      DMARC_JOB_LOCK_DURATION: '2s',
      DMARC_JOB_STALLED_INTERVAL: '1s',
      DMARC_LOG_LEVEL: 'warn',
      // the enrich-sources runs the stored reports queue need no DNS here (this machine has none to ask)
      DMARC_RDNS: 'off',
      // the alert check the stored reports queue (debounced: 60 s by default) runs before the queue is counted
      DMARC_ALERTS_DEBOUNCE: '1s',
    };
    const first = startDmarc(['worker', '--concurrency', '2'], env);
    children.push(first);
    await first.waitForOutput(/worker running/);
    const finished = async (): Promise<number> =>
      (
        await t.db.query<{ n: number }>(
          `SELECT count(*) AS n FROM ingested_files WHERE status NOT IN ('pending', 'processing')`,
        )
      ).rows[0]!.n;
    // mid-batch: some files done, two in the worker's hands
    await waitFor('a few files processed while others run', async () => {
      const done = await finished();
      const running = await listTaskRuns(t.db, { orgId: DEFAULT_ORG_ID, limit: 10, states: ['running'] });
      return done >= 3 && done < FILES - 4 && running.total >= 1;
    });
    const held = (await listTaskRuns(t.db, { orgId: DEFAULT_ORG_ID, limit: 10, states: ['running'] })).items.map(
      (r) => r.id,
    );
    await first.kill();
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(await finished()).toBeLessThan(FILES);

    const second = startDmarc(['worker', '--concurrency', '2'], env);
    children.push(second);
    await waitFor('every file processed', async () => (await finished()) === FILES, 150_000);

    // exactly once: one report per file, every record, the rollups adding up
    const reports = await t.db.query<{ n: number; ids: number; records: number; messages: number }>(
      `SELECT count(*) AS n, count(DISTINCT report_id) AS ids, sum(record_count) AS records,
         sum(message_count) AS messages FROM reports`,
    );
    expect(reports.rows[0]).toEqual({ n: FILES, ids: FILES, records: expected.records, messages: expected.messages });
    expect((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM records')).rows[0]!.n).toBe(expected.records);
    const rollup = await t.db.query<{ messages: number }>('SELECT sum(messages) AS messages FROM rollup_daily');
    expect(rollup.rows[0]!.messages).toBe(expected.messages);
    const statuses = await t.db.query<{ status: string }>(`SELECT DISTINCT status FROM ingested_files`);
    // a file whose report committed just before the kill is re-run and finds it stored: 'duplicate'
    for (const r of statuses.rows) expect(['processed', 'duplicate']).toContain(r.status);

    // the jobs the dead worker held ran again, on the second worker
    const secondWorker = `${(await import('node:os')).hostname()}:${second.proc.pid}`;
    await waitFor('the history of the taken-over jobs', async () => {
      const runs = await Promise.all(
        held.map((id) => t.db.query<{ state: string }>('SELECT state FROM task_runs WHERE id = $1', [id])),
      );
      return runs.every((r) => r.rows[0]?.state === 'completed');
    });
    for (const id of held) {
      const r = await t.db.query<{ attempts: number; worker: string }>(
        'SELECT attempts, worker FROM task_runs WHERE id = $1',
        [id],
      );
      expect(r.rows[0]!.attempts).toBeGreaterThanOrEqual(2);
      expect(r.rows[0]!.worker).toBe(secondWorker);
    }
    // the stored reports' enrich-sources runs finish too
    await waitFor(
      'the queue drained',
      async () => {
        const c = await producer.queue.getJobCounts('active', 'waiting', 'delayed');
        return (c.active ?? 0) + (c.waiting ?? 0) + (c.delayed ?? 0) === 0;
      },
      120_000,
    );
    const counts = await producer.queue.getJobCounts('failed', 'active', 'waiting', 'delayed');
    expect(counts).toEqual({ failed: 0, active: 0, waiting: 0, delayed: 0 });
    const completed = await producer.queue.getJobs(['completed'], 0, -1);
    expect(completed.filter((j) => j.name === 'process-file')).toHaveLength(FILES);

    expect(await second.stop()).toBe(0); // graceful: SIGTERM, exit 0
    await producer.close();
    // generous: on a loaded 2-core CI machine, generating 24 reports and two worker start-ups take a while
  }, 300_000);
});
