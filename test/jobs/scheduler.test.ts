// Schedules (cron, listing), per-slot job ids (a slot is queued once), and the leader election that keeps exactly
// one scheduler active among several against the real Redis.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { listTaskRuns } from '../../src/store/task-runs.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { TaskHistory } from '../../src/jobs/history.js';
import type { JobQueue, TaskName } from '../../src/jobs/queue.js';
import { listSchedules, nextRuns } from '../../src/jobs/schedules.js';
import { RedisLeaderLock, Scheduler, leaderKey, queueSlot } from '../../src/jobs/scheduler.js';
import { runCli } from '../support/cli.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { REDIS_URL } from '../support/services.js';
import { bullmqAvailable, dropPrefix, testPrefix, waitFor } from './support.js';

const IMAP = { DMARC_IMAP_HOST: '127.0.0.1', DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD: 'p', DMARC_IMAP_TLS: 'none' };

describe('schedules', () => {
  it('lists the scheduled tasks; fetch-imap is off without a mailbox', () => {
    const off = listSchedules(loadConfig({}));
    expect(off.map((s) => [s.task, s.cron, s.disabledBecause])).toEqual([
      ['fetch-imap', null, 'no IMAP mailbox is configured'],
      ['sweep-pending', '*/5 * * * *', null],
      ['refresh-rollups', '30 3 * * *', null],
      ['retention', '0 4 * * *', null],
    ]);
    expect(listSchedules(loadConfig(IMAP))[0]!.cron).toBe('*/15 * * * *');
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

describe('scheduled runs', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await t.drop();
  });

  it('a time slot is queued once, whoever queues it; fetch-imap once per mailbox', async () => {
    const queue = new InProcessQueue({ history: new TaskHistory(t.db) });
    const config = loadConfig({
      ...IMAP,
      DMARC_IMAP_NAME: 'first',
    });
    const mailboxes = [config.imap[0]!, { ...config.imap[0]!, name: 'Second Box' }];
    const slot = new Date('2024-06-01T10:15:00Z');
    const env = { imap: mailboxes, orgIdOf: () => Promise.resolve(undefined) };
    const a = await queueSlot(queue, 'fetch-imap', env, slot);
    const b = await queueSlot(queue, 'fetch-imap', env, slot);
    expect(a).toEqual([`sched-fetch-imap-first-${slot.getTime()}`, `sched-fetch-imap-second-box-${slot.getTime()}`]);
    expect(b).toEqual(a);
    await queueSlot(queue, 'retention', env, slot);
    await queueSlot(queue, 'retention', env, slot);
    // platform-wide runs: no organisation
    const runs = await listTaskRuns(t.db, { orgId: 0, everyOrg: true, limit: 10 });
    expect(runs.items.map((r) => r.orgId)).toEqual([null, null, null]);
    expect(runs.items.map((r) => [r.name, r.payload]).sort()).toEqual([
      ['fetch-imap', { mailbox: 'Second Box' }],
      ['fetch-imap', { mailbox: 'first' }],
      ['retention', {}],
    ]);
    await queue.close(1000);
  });
});

/** Records what a scheduler queues, without running anything. */
function recordingQueue(): JobQueue & { queued: TaskName[] } {
  const queued: TaskName[] = [];
  return {
    kind: 'in-process',
    queued,
    enqueue: async (name, _p, o) => {
      queued.push(name);
      return o?.jobId ?? 'x';
    },
    start: () => undefined,
    close: async () => undefined,
    drain: async () => undefined,
  };
}

const haveRedis = await bullmqAvailable('the scheduler leader election suite');

describe.runIf(haveRedis)('leader election in Redis', () => {
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

  it('two schedulers started at once: exactly one leads; when it stops, the other takes over', async () => {
    const config = loadConfig({ DMARC_SCHEDULE_SWEEP_PENDING: '* * * * * *' }); // every second
    const key = leaderKey(prefix);
    const qa = recordingQueue();
    const qb = recordingQueue();
    const a = new Scheduler({ queue: qa, config, lock: new RedisLeaderLock(redis(), key, 1500), leaseCheckMs: 200 });
    const b = new Scheduler({ queue: qb, config, lock: new RedisLeaderLock(redis(), key, 1500), leaseCheckMs: 200 });
    await Promise.all([a.start(), b.start()]);
    const [leader, standby, lq, sq] = a.isLeader ? [a, b, qa, qb] : [b, a, qb, qa];
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    await waitFor('a scheduled run', () => lq.queued.length >= 2, 10_000);
    expect(sq.queued).toEqual([]);
    expect(standby.isLeader).toBe(false);

    await leader.stop();
    await waitFor('the standby to take over', () => standby.isLeader, 10_000);
    const before = sq.queued.length;
    await waitFor('runs from the new leader', () => sq.queued.length > before, 10_000);
    await standby.stop();
    expect(await redis().exists(key)).toBe(0);
  });

  it('a leader that dies without releasing is replaced once its lease expires', async () => {
    const config = loadConfig({});
    const key = leaderKey(prefix);
    // a dead leader: its lease is in Redis, nobody renews it
    await redis().set(key, 'dead-host:1:abcd', 'PX', 1000);
    const s = new Scheduler({
      queue: recordingQueue(),
      config,
      lock: new RedisLeaderLock(redis(), key, 1500),
      leaseCheckMs: 200,
    });
    await s.start();
    expect(s.isLeader).toBe(false);
    await waitFor('take-over', () => s.isLeader, 10_000);
    await s.stop();
  });
});
