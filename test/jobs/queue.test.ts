// The same handler suite on both queue adapters: in-process always, BullMQ against the real Redis (own key prefix;
// mandatory under REQUIRE_SERVICES=1). Real task handlers on a real database where the test is about them.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadJobsConfig } from '../../src/config/jobs.js';
import { intakeFile } from '../../src/ingest/intake.js';
import type { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { getTaskRun, listTaskRuns } from '../../src/store/task-runs.js';
import { PermanentTaskError, processFileKey, type TaskHandlers } from '../../src/jobs/queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { getFile } from '../../src/store/files.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { CORPUS_DIR } from '../support/manifest.js';
import { DEFAULT_ORG_ID, NO_SINK, cacheSink, createOrg, recordingSink } from '../support/org.js';
import { bullmqAvailable, makeQueue, waitFor, type Adapter, type TestQueue } from './support.js';

const adapters: Adapter[] = (await bullmqAvailable('the BullMQ adapter suite'))
  ? ['in-process', 'bullmq']
  : ['in-process'];

const CORPUS_FILES = [
  'parsedmarc/twilight.eml',
  'mail-auth/100.eml',
  'parsedmarc/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz',
];

/** Platform-wide runs (sweeps, retention, rollups: no organisation) are read with these scopes. */
const PLATFORM = { orgId: DEFAULT_ORG_ID, includePlatform: true };
const EVERY_ORG = { orgId: 0, everyOrg: true };

function stubHandlers(over: Partial<TaskHandlers>): TaskHandlers {
  const none = async (): Promise<object> => ({});
  return {
    'process-file': none,
    'sweep-pending': none,
    'fetch-imap': none,
    'refresh-rollups': none,
    retention: none,
    'enrich-sources': none,
    'identify-senders': none,
    'check-alerts': none,
    notify: none,
    'check-dns': none,
    'send-digests': none,
    'train-model': none,
    'detect-anomalies': none,
    'forward-events': none,
    ...over,
  };
}

describe.each(adapters)('job queue, %s adapter', (adapter) => {
  let t: TestDatabase;
  let q: TestQueue | undefined;

  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await q?.close();
    q = undefined;
    await t.drop();
  });

  it('runs process-file with the real handlers: reports stored, each run in the history', async () => {
    q = makeQueue(adapter, t.db);
    const cache = new MemoryCache(300);
    q.queue.start(
      taskHandlers({ db: t.db, queue: q.queue, cache, limits: DEFAULT_UNPACK_LIMITS, sink: cacheSink(cache) }),
      { concurrency: 2 },
    );
    const ids: string[] = [];
    for (const f of CORPUS_FILES) {
      const bytes = await fs.readFile(path.join(CORPUS_DIR, f));
      const { fileId } = await intakeFile(t.db, {
        orgId: DEFAULT_ORG_ID,
        bytes,
        name: path.basename(f),
        source: 'api',
      });
      ids.push(
        await q.queue.enqueue('process-file', { orgId: DEFAULT_ORG_ID, fileId }, { dedupeKey: processFileKey(fileId) }),
      );
    }
    await q.queue.drain();
    const reports = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM reports');
    expect(reports.rows[0]!.n).toBe(3);
    const files = await t.db.query<{ status: string }>('SELECT status FROM ingested_files');
    expect(files.rows.map((r) => r.status)).toEqual(['processed', 'processed', 'processed']);
    expect((await cache.stats(DEFAULT_ORG_ID)).invalidations).toBe(3);

    const page = await waitFor('three completed runs', async () => {
      const p = await listTaskRuns(t.db, { orgId: DEFAULT_ORG_ID, limit: 10, states: ['completed'] });
      return p.total === 3 ? p : undefined;
    });
    expect(page.items.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const run of page.items) {
      expect(run).toMatchObject({
        orgId: DEFAULT_ORG_ID,
        name: 'process-file',
        state: 'completed',
        attempts: 1,
        error: null,
      });
      expect(run.worker).toBe(`${(await import('node:os')).hostname()}:${process.pid}`);
      expect(run.startedAt).toBeInstanceOf(Date);
      expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
      expect(run.result).toMatchObject({ status: 'processed', reports: 1 });
    }
  });

  it('deduplicates by key while a job is unfinished; an explicit job id is created once', async () => {
    q = makeQueue(adapter, t.db);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    q.queue.start(
      stubHandlers({
        'refresh-rollups': async () => {
          runs++;
          await gate;
          return {};
        },
      }),
    );
    const a = await q.queue.enqueue('refresh-rollups', {}, { dedupeKey: 'k' });
    const b = await q.queue.enqueue('refresh-rollups', {}, { dedupeKey: 'k' });
    expect(b).toBe(a);
    await waitFor('the job to run', () => runs === 1);
    const c = await q.queue.enqueue('refresh-rollups', {}, { dedupeKey: 'k' });
    expect(c).toBe(a);
    release();
    await q.queue.drain();
    expect(runs).toBe(1);

    const x = await q.queue.enqueue('retention', {}, { jobId: 'sched-retention-1' });
    await q.queue.drain();
    const y = await q.queue.enqueue('retention', {}, { jobId: 'sched-retention-1' });
    await q.queue.drain();
    expect([x, y]).toEqual(['sched-retention-1', 'sched-retention-1']);
    const runsOfX = await listTaskRuns(t.db, { ...EVERY_ORG, limit: 10, names: ['retention'] });
    expect(runsOfX.total).toBe(1);
  });

  it('delayMs: the job runs no sooner; what is queued with its key meanwhile is that job (a debounce)', async () => {
    q = makeQueue(adapter, t.db);
    const ran: number[] = [];
    q.queue.start(
      stubHandlers({
        'check-alerts': async () => {
          ran.push(Date.now());
          return {};
        },
      }),
    );
    const queuedAt = Date.now();
    const a = await q.queue.enqueue('check-alerts', { orgId: DEFAULT_ORG_ID }, { dedupeKey: 'd', delayMs: 600 });
    const b = await q.queue.enqueue('check-alerts', { orgId: DEFAULT_ORG_ID }, { dedupeKey: 'd', delayMs: 600 });
    expect(b).toBe(a);
    await new Promise((r) => setTimeout(r, 200));
    expect(ran).toEqual([]);
    await waitFor('the delayed run', () => ran.length === 1);
    expect(ran[0]! - queuedAt).toBeGreaterThanOrEqual(550);
    await q.queue.drain();
    expect(ran).toHaveLength(1);
    // once it ran, the key is free again
    const c = await q.queue.enqueue('check-alerts', { orgId: DEFAULT_ORG_ID }, { dedupeKey: 'd', delayMs: 50 });
    expect(c).not.toBe(a);
    await waitFor('the second run', () => ran.length === 2);
  });

  it('rerunIfRunning: a request while the job runs queues exactly one more run', async () => {
    q = makeQueue(adapter, t.db);
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    q.queue.start(
      stubHandlers({
        'fetch-imap': async () => {
          runs++;
          await gate;
          return {};
        },
      }),
    );
    await q.queue.enqueue('fetch-imap', { mailbox: 'm' }, { dedupeKey: 'fetch-m', rerunIfRunning: true });
    await waitFor('the first run', () => runs === 1);
    await q.queue.enqueue('fetch-imap', { mailbox: 'm' }, { dedupeKey: 'fetch-m', rerunIfRunning: true });
    await q.queue.enqueue('fetch-imap', { mailbox: 'm' }, { dedupeKey: 'fetch-m', rerunIfRunning: true });
    const first = release;
    gate = Promise.resolve();
    first();
    await waitFor('the second run', () => runs === 2);
    await q.queue.drain();
    expect(runs).toBe(2);
  });

  it('retries a failing handler with growing delays, then it succeeds', async () => {
    q = makeQueue(adapter, t.db, { maxAttempts: 5, backoffMs: 40 });
    let calls = 0;
    q.queue.start(
      stubHandlers({
        'refresh-rollups': async () => {
          if (++calls <= 2) throw new Error(`transient failure ${calls}`);
          return { ok: true };
        },
      }),
    );
    const id = await q.queue.enqueue('refresh-rollups', {});
    await waitFor('completion', async () => (await getTaskRun(t.db, id, PLATFORM))?.state === 'completed');
    const retries = q.events.filter((e) => e.id === id && e.type === 'retrying');
    expect(retries.map((e) => [e.attempt, e.delayMs, e.error])).toEqual([
      [1, 40, 'transient failure 1'],
      [2, 80, 'transient failure 2'],
    ]);
    expect(q.events.filter((e) => e.id === id && e.type === 'started').map((e) => e.attempt)).toEqual([1, 2, 3]);
    const run = await getTaskRun(t.db, id, PLATFORM);
    expect(run).toMatchObject({ state: 'completed', attempts: 3, error: null, result: { ok: true } });
  });

  it('a handler that always fails ends failed after max attempts, with its error, and stays visible', async () => {
    q = makeQueue(adapter, t.db, { maxAttempts: 3, backoffMs: 10 });
    q.queue.start(
      stubHandlers({
        retention: async () => {
          throw new Error('disk on fire');
        },
      }),
    );
    const id = await q.queue.enqueue('retention', {});
    const run = await waitFor('failure', async () => {
      const r = await getTaskRun(t.db, id, PLATFORM);
      return r?.state === 'failed' ? r : undefined;
    });
    expect(run).toMatchObject({ orgId: null, name: 'retention', state: 'failed', attempts: 3, error: 'disk on fire' });
    expect(q.events.filter((e) => e.id === id).map((e) => e.type)).toEqual([
      'started',
      'retrying',
      'started',
      'retrying',
      'started',
      'failed',
    ]);
    const failed = await listTaskRuns(t.db, { ...EVERY_ORG, limit: 10, states: ['failed'] });
    expect(failed.items.map((r) => r.id)).toEqual([id]);
    if (adapter === 'bullmq') {
      // kept in Redis too, for the queue board
      const jobs = await (q.queue as BullMqQueue).queue.getFailed();
      expect(jobs.map((j) => [j.id, j.failedReason, j.attemptsMade])).toEqual([[id, 'disk on fire', 3]]);
    }
  });

  it('a permanent failure is not retried', async () => {
    q = makeQueue(adapter, t.db, { maxAttempts: 5, backoffMs: 10 });
    const cache = new MemoryCache(300);
    q.queue.start(taskHandlers({ db: t.db, queue: q.queue, cache, limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK }));
    const id = await q.queue.enqueue('process-file', { orgId: DEFAULT_ORG_ID, fileId: 424242 });
    const run = await waitFor('failure', async () => {
      const r = await getTaskRun(t.db, id, { orgId: DEFAULT_ORG_ID });
      return r?.state === 'failed' ? r : undefined;
    });
    expect(run).toMatchObject({ attempts: 1, error: 'file 424242 does not exist' });
  });

  it('sweep-pending queues the files left unfinished for longer than the threshold, and only those', async () => {
    q = makeQueue(adapter, t.db);
    const cache = new MemoryCache(300);
    const jobs = { ...loadJobsConfig({}).jobs, staleAfterMs: 10 * 60_000 };
    q.queue.start(
      taskHandlers({ db: t.db, queue: q.queue, cache, limits: DEFAULT_UNPACK_LIMITS, jobs, sink: cacheSink(cache) }),
    );
    const ids: number[] = [];
    for (const f of CORPUS_FILES) {
      const bytes = await fs.readFile(path.join(CORPUS_DIR, f));
      ids.push(
        (await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes, name: path.basename(f), source: 'api' })).fileId,
      );
    }
    // 1: pending for an hour (a crash before it was queued); 2: 'processing' for an hour (its worker died);
    // 3: just received (its upload is being queued right now): left alone.
    await t.db.query(`UPDATE ingested_files SET status = 'processing' WHERE id = $1`, [ids[1]]);
    await t.db.query(`UPDATE ingested_files SET status_changed_at = now() - interval '1 hour' WHERE id = ANY($1)`, [
      [ids[0], ids[1]],
    ]);
    const sweep = await q.queue.enqueue('sweep-pending', {});
    await q.queue.drain();
    expect((await getTaskRun(t.db, sweep, PLATFORM))?.result).toEqual({ queued: 2 });
    expect((await getFile(t.db, DEFAULT_ORG_ID, ids[0]!))?.status).toBe('processed');
    expect((await getFile(t.db, DEFAULT_ORG_ID, ids[1]!))?.status).toBe('processed');
    expect((await getFile(t.db, DEFAULT_ORG_ID, ids[2]!))?.status).toBe('pending');

    // A sweep's job for a file finished meanwhile does nothing (the file keeps its status and reports).
    const again = await q.queue.enqueue('process-file', { orgId: DEFAULT_ORG_ID, fileId: ids[0]!, ifUnfinished: true });
    await q.queue.drain();
    expect((await getTaskRun(t.db, again, { orgId: DEFAULT_ORG_ID }))?.result).toEqual({
      fileId: ids[0],
      skipped: 'already processed',
    });
    expect((await getFile(t.db, DEFAULT_ORG_ID, ids[0]!))?.reportCount).toBe(1);
    // threshold 0 (embedded start-up): everything unfinished
    await q.queue.enqueue('sweep-pending', { olderThanMs: 0 });
    await q.queue.drain();
    expect((await getFile(t.db, DEFAULT_ORG_ID, ids[2]!))?.status).toBe('processed');
  });

  it("sweep-pending queues every organisation's stale files in their own organisation; none runs under another", async () => {
    q = makeQueue(adapter, t.db, { maxAttempts: 5, backoffMs: 10 });
    const cache = new MemoryCache(300);
    const sink = recordingSink();
    q.queue.start(taskHandlers({ db: t.db, queue: q.queue, cache, limits: DEFAULT_UNPACK_LIMITS, sink }));
    const other = await createOrg(t.db, 'other');
    const [mine, theirs] = await Promise.all(
      [DEFAULT_ORG_ID, other.id].map(async (orgId, i) => {
        const f = CORPUS_FILES[i]!;
        const bytes = await fs.readFile(path.join(CORPUS_DIR, f));
        return (await intakeFile(t.db, { orgId, bytes, name: path.basename(f), source: 'api' })).fileId;
      }),
    );
    await t.db.query(`UPDATE ingested_files SET status_changed_at = now() - interval '1 hour'`);

    // a job naming the wrong organisation finds no such file: failed for good, the file untouched
    const wrong = await q.queue.enqueue('process-file', { orgId: other.id, fileId: mine! });
    const failed = await waitFor('failure', async () => {
      const r = await getTaskRun(t.db, wrong, { orgId: other.id });
      return r?.state === 'failed' ? r : undefined;
    });
    expect(failed).toMatchObject({ orgId: other.id, attempts: 1, error: `file ${mine} does not exist` });
    expect((await getFile(t.db, DEFAULT_ORG_ID, mine!))?.status).toBe('pending');
    expect(await getFile(t.db, other.id, mine!)).toBeUndefined();

    const sweep = await q.queue.enqueue('sweep-pending', {});
    await q.queue.drain();
    expect((await getTaskRun(t.db, sweep, PLATFORM))?.result).toEqual({ queued: 2 });
    expect((await getFile(t.db, DEFAULT_ORG_ID, mine!))?.status).toBe('processed');
    expect((await getFile(t.db, other.id, theirs!))?.status).toBe('processed');
    const reports = await t.db.query<{ org_id: number; n: number }>(
      'SELECT org_id, count(*) AS n FROM reports GROUP BY org_id ORDER BY org_id',
    );
    expect(reports.rows).toEqual([
      { org_id: DEFAULT_ORG_ID, n: 1 },
      { org_id: other.id, n: 1 },
    ]);
    expect(sink.events.map((e) => [e.orgId, e.fileId]).sort()).toEqual(
      [
        [DEFAULT_ORG_ID, mine],
        [other.id, theirs],
      ].sort(),
    );
    // each organisation's history has its own runs; the sweep is platform-wide
    const runsOf = async (orgId: number) =>
      (await listTaskRuns(t.db, { orgId, limit: 10 })).items.map((r) => [r.name, r.state, r.payload]);
    expect(await runsOf(other.id)).toEqual([
      ['process-file', 'completed', { orgId: other.id, fileId: theirs, ifUnfinished: true }],
      ['process-file', 'failed', { orgId: other.id, fileId: mine }],
    ]);
    expect(await runsOf(DEFAULT_ORG_ID)).toEqual([
      ['process-file', 'completed', { orgId: DEFAULT_ORG_ID, fileId: mine, ifUnfinished: true }],
    ]);
  });

  it('close() stops taking jobs and lets the running one finish', async () => {
    q = makeQueue(adapter, t.db);
    let finished = false;
    let started = false;
    q.queue.start(
      stubHandlers({
        'refresh-rollups': async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
          return {};
        },
      }),
    );
    const id = await q.queue.enqueue('refresh-rollups', {});
    await waitFor('start', () => started);
    await q.queue.close(10_000);
    expect(finished).toBe(true);
    expect((await getTaskRun(t.db, id, PLATFORM))?.state).toBe('completed');
  });
});

describe('PermanentTaskError', () => {
  it('is an Error with its message', () => {
    expect(new PermanentTaskError('x')).toBeInstanceOf(Error);
  });
});
