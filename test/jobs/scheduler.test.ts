// Schedules (cron, listing, the tasks' defaults), the embedded scheduler's timers and per-slot job ids (a slot is
// queued once), and against the real Redis: BullMQ job schedulers made by several schedulers at once (one job
// per slot, each run in the task history; a schedule turned off is removed), and the lease that gives the IMAP
// IDLE connections to one scheduler at a time.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { TaskHistory } from '../../src/jobs/history.js';
import type { EnqueueOptions, JobQueue, TaskName } from '../../src/jobs/queue.js';
import { listSchedules, nextRuns } from '../../src/jobs/schedules.js';
import { RedisLeaderLock, Scheduler, leaderKey, queueSlot, type MailWatcher } from '../../src/jobs/scheduler.js';
import { SCHEDULED_TASK_DEFINITIONS, TASKS } from '../../src/jobs/tasks/index.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { listTaskRuns } from '../../src/store/task-runs.js';
import { SCHEDULED_TASKS } from '../../src/config/jobs.js';
import { runCli } from '../support/cli.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';
import { freePort } from '../support/redis-server.js';
import { REDIS_URL } from '../support/services.js';
import { bullmqAvailable, dropPrefix, makeQueue, testPrefix, waitFor, type TestQueue } from './support.js';

const IMAP = { DMARC_IMAP_HOST: '127.0.0.1', DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD: 'p', DMARC_IMAP_TLS: 'none' };

describe('schedules', () => {
  it('lists the scheduled tasks; fetch-imap is off without a mailbox', () => {
    const off = listSchedules(loadConfig({}));
    expect(off.map((s) => [s.task, s.cron, s.disabledBecause])).toEqual([
      ['fetch-imap', null, 'no IMAP mailbox is configured, nor a Graph, Gmail or Maildir one'],
      ['sweep-pending', '*/5 * * * *', null],
      ['refresh-rollups', '30 3 * * *', null],
      ['retention', '0 4 * * *', null],
      ['check-alerts', '0 * * * *', null],
      ['check-dns', '20 4 * * *', null],
      ['send-digests', '*/15 * * * *', null],
      ['train-model', '30 3 * * 0', null],
      ['detect-anomalies', '50 4 * * *', null],
      ['forward-events', '*/10 * * * *', null],
    ]);
    expect(listSchedules(loadConfig(IMAP))[0]!.cron).toBe('*/15 * * * *');
  });

  it("the defaults are the tasks' own; the registry and the configuration know the same scheduled tasks", () => {
    expect(SCHEDULED_TASK_DEFINITIONS.map((t) => [t.name, t.defaultSchedule])).toEqual([
      ['fetch-imap', '*/15 * * * *'],
      ['sweep-pending', '*/5 * * * *'],
      ['refresh-rollups', '30 3 * * *'],
      ['retention', '0 4 * * *'],
      ['check-alerts', '0 * * * *'],
      ['check-dns', '20 4 * * *'],
      ['send-digests', '*/15 * * * *'],
      ['train-model', '30 3 * * 0'],
      ['detect-anomalies', '50 4 * * *'],
      ['forward-events', '*/10 * * * *'],
    ]);
    expect(SCHEDULED_TASK_DEFINITIONS.map((t) => t.name)).toEqual([...SCHEDULED_TASKS]);
    expect(TASKS.filter((t) => t.defaultSchedule === null).map((t) => t.name)).toEqual([
      'process-file',
      'enrich-sources',
      'identify-senders',
      'notify',
    ]);
    for (const t of TASKS) expect(t.description.length).toBeGreaterThan(10);
  });

  it('computes the next runs in the configured time zone', () => {
    const after = new Date('2024-03-30T23:59:00Z');
    expect(nextRuns('*/15 * * * *', 'UTC', after, 2).map((d) => d.toISOString())).toEqual([
      '2024-03-31T00:00:00.000Z',
      '2024-03-31T00:15:00.000Z',
    ]);
    // 04:00 in Berlin, across the switch to summer time
    expect(nextRuns('0 4 * * *', 'Europe/Berlin', after, 2).map((d) => d.toISOString())).toEqual([
      '2024-03-31T02:00:00.000Z',
      '2024-04-01T02:00:00.000Z',
    ]);
  });

  it('`dmarc schedule list` prints them (and --json)', async () => {
    const r = await runCli(['schedule', 'list', '--json', '--next', '2'], { ...IMAP, DMARC_SCHEDULE_RETENTION: 'off' });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { task: string; cron: string | null; enabled: boolean; nextRuns: string[] }[];
    expect(rows.map((x) => [x.task, x.enabled, x.nextRuns.length])).toEqual([
      ['fetch-imap', true, 2],
      ['sweep-pending', true, 2],
      ['refresh-rollups', true, 2],
      ['retention', false, 0],
      ['check-alerts', true, 2],
      ['check-dns', true, 2],
      ['send-digests', true, 2],
      ['train-model', true, 2],
      ['detect-anomalies', true, 2],
      ['forward-events', true, 2],
    ]);
    const human = await runCli(['schedule', 'list'], {});
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/fetch-imap\s+off\s+off: no IMAP mailbox is configured/);
    expect(human.stdout).toMatch(/sweep-pending\s+\*\/5 \* \* \* \*\s+\d{4}-/);
    const bad = await runCli(['schedule', 'list'], { DMARC_SCHEDULE_SWEEP_PENDING: 'often' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DMARC_SCHEDULE_SWEEP_PENDING: 'often' is not a cron expression/);
  });
});

/** Records what a scheduler queues, without running anything. */
function recordingQueue(): JobQueue & { queued: { name: TaskName; payload: unknown; options?: EnqueueOptions }[] } {
  const queued: { name: TaskName; payload: unknown; options?: EnqueueOptions }[] = [];
  return {
    kind: 'in-process',
    queued,
    enqueue: async (name, payload, options) => {
      queued.push({ name, payload, options });
      return options?.jobId ?? 'x';
    },
    start: () => undefined,
    close: async () => undefined,
    drain: async () => undefined,
  };
}

/** An IDLE watcher that only says whether it runs. */
function fakeWatchers(): { make: (m: { name: string }) => MailWatcher; running: Set<string> } {
  const running = new Set<string>();
  return {
    running,
    make: (m) => ({
      start: () => void running.add(m.name),
      stop: async () => void running.delete(m.name),
    }),
  };
}

describe('embedded mode: the scheduler queues each time slot itself', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await t.drop();
  });

  it("a time slot is queued once, whoever queues it; fetch-imap once per mailbox, in the mailbox's organisation", async () => {
    const queue = new InProcessQueue({ history: new TaskHistory(t.db) });
    const config = loadConfig({
      ...IMAP,
      DMARC_IMAP_NAME: 'first',
    });
    const mailboxes = [config.imap[0]!, { ...config.imap[0]!, name: 'Second Box', org: 'no-such-org' }];
    const slot = new Date('2024-06-01T10:15:00Z');
    const env = {
      imap: mailboxes,
      orgIdOf: (slug: string) => Promise.resolve(slug === 'default' ? DEFAULT_ORG_ID : undefined),
    };
    const a = await queueSlot(queue, 'fetch-imap', env, slot);
    const b = await queueSlot(queue, 'fetch-imap', env, slot);
    expect(a).toEqual([`sched-fetch-imap-first-${slot.getTime()}`, `sched-fetch-imap-second-box-${slot.getTime()}`]);
    expect(b).toEqual(a);
    await queueSlot(queue, 'retention', env, slot);
    await queueSlot(queue, 'retention', env, slot);
    const runs = await listTaskRuns(t.db, { orgId: 0, everyOrg: true, limit: 10 });
    expect(runs.items.map((r) => [r.name, r.orgId, r.payload]).sort()).toEqual([
      // one whose organisation does not exist is platform-wide; the other is its mailbox's organisation's run
      ['fetch-imap', null, { mailbox: 'Second Box' }],
      ['fetch-imap', DEFAULT_ORG_ID, { mailbox: 'first', orgId: DEFAULT_ORG_ID }],
      ['retention', null, {}],
    ]);
    await queue.close(1000);
  });

  it('queues every second with a per-second cron, a job id per slot; IDLE watchers run without a lease', async () => {
    const queue = recordingQueue();
    const config = loadConfig({ ...IMAP, DMARC_IMAP_IDLE: 'true', DMARC_SCHEDULE_SWEEP_PENDING: '* * * * * *' });
    const w = fakeWatchers();
    const s = new Scheduler({ queue, config, watcher: w.make });
    await s.start();
    expect([s.mode, s.idle]).toEqual(['timers', 'active']);
    expect([...w.running]).toEqual([config.imap[0]!.name]);
    await waitFor('two slots', () => queue.queued.filter((q) => q.name === 'sweep-pending').length >= 2, 10_000);
    await s.stop();
    expect(w.running.size).toBe(0);
    const ids = queue.queued.filter((q) => q.name === 'sweep-pending').map((q) => q.options?.jobId);
    for (const id of ids) expect(id).toMatch(/^sched-sweep-pending-\d+000$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

const haveRedis = await bullmqAvailable('the BullMQ scheduler suite');

describe.runIf(haveRedis)('distributed mode: BullMQ job schedulers', () => {
  let t: TestDatabase;
  let prefix: string;
  const queues: TestQueue[] = [];
  const schedulers: Scheduler[] = [];
  const queue = (): TestQueue => {
    const q = makeQueue('bullmq', t.db, { prefix });
    queues.push(q);
    return q;
  };
  const scheduler = (q: TestQueue, config: Config): Scheduler => {
    const s = new Scheduler({
      queue: q.queue,
      config,
      jobSchedulers: q.queue as BullMqQueue,
      orgIdOf: (slug) => Promise.resolve(slug === 'default' ? DEFAULT_ORG_ID : undefined),
    });
    schedulers.push(s);
    return s;
  };
  beforeEach(async () => {
    t = await openPglite();
    prefix = testPrefix('jobsched');
  });
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    for (const q of queues.splice(0)) await q.close();
    await dropPrefix(prefix);
    await t.drop();
  });

  it('two schedulers at once: one job scheduler per run, each slot run once, every run in the history', async () => {
    const config = loadConfig({ DMARC_SCHEDULE_SWEEP_PENDING: '* * * * * *', DMARC_SCHEDULE_REFRESH_ROLLUPS: 'off' });
    const [qa, qb, worker] = [queue(), queue(), queue()];
    const a = scheduler(qa, config);
    const b = scheduler(qb, config);
    await Promise.all([a.start(), b.start()]);
    expect([a.mode, a.activeSchedules, a.idle]).toEqual(['job schedulers', 8, 'none']);
    expect(b.activeSchedules).toBe(8);
    const bull = (qa.queue as BullMqQueue).queue;
    expect((await bull.getJobSchedulers(0, -1)).map((j) => [j.key, j.name, j.pattern]).sort()).toEqual([
      ['check-alerts', 'check-alerts', '0 * * * *'],
      ['check-dns', 'check-dns', '20 4 * * *'],
      ['detect-anomalies', 'detect-anomalies', '50 4 * * *'],
      ['forward-events', 'forward-events', '*/10 * * * *'],
      ['retention', 'retention', '0 4 * * *'],
      ['send-digests', 'send-digests', '*/15 * * * *'],
      ['sweep-pending', 'sweep-pending', '* * * * * *'],
      ['train-model', 'train-model', '30 3 * * 0'],
    ]);
    // a scheduler that starts again with the same configuration changes nothing
    await a.stop();
    const again = scheduler(queue(), config);
    await again.start();
    expect(await (qb.queue as BullMqQueue).syncJobSchedulers(await again.recurringJobs())).toEqual({
      upserted: [],
      removed: [],
      unchanged: [
        'sweep-pending',
        'retention',
        'check-alerts',
        'check-dns',
        'send-digests',
        'train-model',
        'detect-anomalies',
        'forward-events',
      ],
    });

    const started = Date.now();
    worker.queue.start(
      taskHandlers({
        db: t.db,
        queue: worker.queue,
        cache: new MemoryCache(60),
        limits: DEFAULT_UNPACK_LIMITS,
        sink: NO_SINK,
      }),
    );
    const runs = await waitFor(
      'three scheduled sweeps',
      async () => {
        const page = await listTaskRuns(t.db, { orgId: 0, everyOrg: true, limit: 100, names: ['sweep-pending'] });
        const done = page.items.filter((r) => r.state === 'completed');
        return done.length >= 3 ? page.items : undefined;
      },
      20_000,
    );
    const elapsedSlots = Math.ceil((Date.now() - started) / 1000) + 2;
    const slots = runs.map((r) => {
      const m = /^repeat:sweep-pending:(\d+)$/.exec(r.id);
      expect(m, r.id).not.toBeNull();
      return Number(m![1]);
    });
    // one job per slot: no slot twice, and no more runs than there were seconds
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.length).toBeLessThanOrEqual(elapsedSlots);
    for (const s of slots) expect(s % 1000).toBe(0);
    for (const r of runs.filter((x) => x.state === 'completed')) {
      // recorded by the worker when it started it: queued at its slot, platform-wide, with its result
      expect(r).toMatchObject({ orgId: null, attempts: 1, result: { queued: 0 } });
      expect(r.queuedAt.getTime()).toBe(Number(/(\d+)$/.exec(r.id)![1]));
      expect(r.startedAt!.getTime()).toBeGreaterThanOrEqual(r.queuedAt.getTime());
    }
    expect(await bull.getJobSchedulersCount()).toBe(8);
  });

  it('follows the configuration: a schedule turned off is removed with its next job, a changed one updated', async () => {
    const two = loadConfig({ ...IMAP, DMARC_IMAP_NAME: 'first' });
    two.imap.push({ ...two.imap[0]!, name: 'Second Box', org: 'no-such-org' });
    const q = queue();
    const bull = (q.queue as BullMqQueue).queue;
    const first = scheduler(q, two);
    await first.start();
    const all = await bull.getJobSchedulers(0, -1);
    expect(all.map((j) => j.key).sort()).toEqual([
      'check-alerts',
      'check-dns',
      'detect-anomalies',
      'fetch-imap-first',
      'fetch-imap-second-box',
      'forward-events',
      'refresh-rollups',
      'retention',
      'send-digests',
      'sweep-pending',
      'train-model',
    ]);
    // each mailbox's runs carry its organisation (when it exists)
    expect(all.find((j) => j.key === 'fetch-imap-first')?.template?.data).toEqual({
      mailbox: 'first',
      orgId: DEFAULT_ORG_ID,
    });
    expect(all.find((j) => j.key === 'fetch-imap-second-box')?.template?.data).toEqual({ mailbox: 'Second Box' });
    const delayed = async () => (await bull.getDelayed()).map((j) => j.id!.replace(/:\d+$/, '')).sort();
    expect(await delayed()).toEqual([
      'repeat:check-alerts',
      'repeat:check-dns',
      'repeat:detect-anomalies',
      'repeat:fetch-imap-first',
      'repeat:fetch-imap-second-box',
      'repeat:forward-events',
      'repeat:refresh-rollups',
      'repeat:retention',
      'repeat:send-digests',
      'repeat:sweep-pending',
      'repeat:train-model',
    ]);
    await first.stop();

    // one mailbox less, the sweep turned off, retention at another time
    const changed = loadConfig({
      ...IMAP,
      DMARC_IMAP_NAME: 'first',
      DMARC_SCHEDULE_SWEEP_PENDING: 'off',
      DMARC_SCHEDULE_RETENTION: '0 5 * * *',
    });
    const second = scheduler(q, changed);
    await second.start();
    const now = await bull.getJobSchedulers(0, -1);
    expect(now.map((j) => [j.key, j.pattern]).sort()).toEqual([
      ['check-alerts', '0 * * * *'],
      ['check-dns', '20 4 * * *'],
      ['detect-anomalies', '50 4 * * *'],
      ['fetch-imap-first', '*/15 * * * *'],
      ['forward-events', '*/10 * * * *'],
      ['refresh-rollups', '30 3 * * *'],
      ['retention', '0 5 * * *'],
      ['send-digests', '*/15 * * * *'],
      ['train-model', '30 3 * * 0'],
    ]);
    expect(await delayed()).toEqual([
      'repeat:check-alerts',
      'repeat:check-dns',
      'repeat:detect-anomalies',
      'repeat:fetch-imap-first',
      'repeat:forward-events',
      'repeat:refresh-rollups',
      'repeat:retention',
      'repeat:send-digests',
      'repeat:train-model',
    ]);
    expect(second.activeSchedules).toBe(9);

    // without any mailbox, fetch-imap is off too
    await second.stop();
    const none = scheduler(q, loadConfig({ DMARC_SCHEDULE_SWEEP_PENDING: 'off' }));
    await none.start();
    expect((await bull.getJobSchedulers(0, -1)).map((j) => j.key).sort()).toEqual([
      'check-alerts',
      'check-dns',
      'detect-anomalies',
      'forward-events',
      'refresh-rollups',
      'retention',
      'send-digests',
      'train-model',
    ]);
  });
});

describe.runIf(haveRedis)('the IMAP IDLE lease in Redis', () => {
  let prefix: string;
  const clients: Redis[] = [];
  const redis = (): Redis => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(r);
    return r;
  };
  beforeEach(() => {
    prefix = testPrefix('sched');
  });
  afterEach(async () => {
    await dropPrefix(prefix);
    for (const c of clients.splice(0)) c.disconnect();
  });

  const idleConfig = () => loadConfig({ ...IMAP, DMARC_IMAP_IDLE: 'true', DMARC_IMAP_NAME: 'watched' });

  it('two schedulers started at once: exactly one watches; when it stops, the other takes over', async () => {
    const config = idleConfig();
    const key = leaderKey(prefix);
    const [wa, wb] = [fakeWatchers(), fakeWatchers()];
    const make = (w: ReturnType<typeof fakeWatchers>) =>
      new Scheduler({
        queue: recordingQueue(),
        config,
        jobSchedulers: { syncJobSchedulers: async () => ({ upserted: [], removed: [], unchanged: [] }) },
        lock: new RedisLeaderLock(redis(), key, 1500),
        leaseCheckMs: 200,
        watcher: w.make,
      });
    const a = make(wa);
    const b = make(wb);
    await Promise.all([a.start(), b.start()]);
    expect([a.idle, b.idle].sort()).toEqual(['active', 'standing by']);
    const [holder, standby, standbyWatchers] = a.idle === 'active' ? [a, b, wb] : [b, a, wa];
    expect(wa.running.size + wb.running.size).toBe(1);

    await holder.stop();
    await waitFor('the standby to take over', () => standby.idle === 'active', 10_000);
    expect([...standbyWatchers.running]).toEqual(['watched']);
    await standby.stop();
    expect(standbyWatchers.running.size).toBe(0);
    expect(await redis().exists(key)).toBe(0);
  });

  it('a holder that dies without releasing is replaced once its lease expires', async () => {
    const key = leaderKey(prefix);
    // a dead holder: its lease is in Redis, nobody renews it
    await redis().set(key, 'dead-host:1:abcd', 'PX', 1000);
    const s = new Scheduler({
      queue: recordingQueue(),
      config: idleConfig(),
      jobSchedulers: { syncJobSchedulers: async () => ({ upserted: [], removed: [], unchanged: [] }) },
      lock: new RedisLeaderLock(redis(), key, 1500),
      leaseCheckMs: 200,
      watcher: fakeWatchers().make,
    });
    await s.start();
    expect(s.idle).toBe('standing by');
    await waitFor('take-over', () => s.idle === 'active', 10_000);
    await s.stop();
  });

  it('without a mailbox with IDLE on, there is no lease', async () => {
    const s = new Scheduler({
      queue: recordingQueue(),
      config: loadConfig(IMAP),
      jobSchedulers: { syncJobSchedulers: async () => ({ upserted: [], removed: [], unchanged: [] }) },
      lock: new RedisLeaderLock(redis(), leaderKey(prefix), 1500),
      watcher: fakeWatchers().make,
    });
    await s.start();
    expect(s.idle).toBe('none');
    expect(await redis().exists(leaderKey(prefix))).toBe(0);
    await s.stop();
  });
});

describe('the IMAP IDLE lease while Redis does not answer', () => {
  it('says "no lease" (not "standing by": nobody else is known to hold it), watches nothing, and tells the log why', async () => {
    const port = await freePort();
    const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    const logged: string[] = [];
    const log = {
      info: (_o: object, msg: string) => logged.push(msg),
      warn: (_o: object, msg: string) => logged.push(msg),
    };
    const w = fakeWatchers();
    const s = new Scheduler({
      queue: recordingQueue(),
      config: loadConfig({ ...IMAP, DMARC_IMAP_IDLE: 'true', DMARC_IMAP_NAME: 'watched' }),
      jobSchedulers: { syncJobSchedulers: async () => ({ upserted: [], removed: [], unchanged: [] }) },
      lock: new RedisLeaderLock(client, leaderKey('dmarc_test_nolease'), 1500),
      leaseCheckMs: 100,
      watcher: w.make,
      log,
    });
    try {
      await s.start();
      expect(s.idle).toBe('no lease');
      expect(w.running.size).toBe(0);
      expect(logged).toContain('IMAP IDLE lease check failed');
      expect(logged.some((m) => /standing by|another scheduler/i.test(m))).toBe(false);
    } finally {
      await s.stop();
      client.disconnect();
    }
  });
});
