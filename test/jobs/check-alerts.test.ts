// check-alerts: an organisation's rules evaluated by the task (twice on the same data: nothing changes, nobody is
// notified again); the hourly run is platform-wide and queues one run per organisation; after reports are stored
// the "report stored" sink queues one run per organisation a little later (debounced: a burst of reports is one
// run, and another burst after it is another).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { createRule } from '../../src/alerts/rules-admin.js';
import { loadConfig } from '../../src/config/index.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { JobEvent } from '../../src/jobs/queue.js';
import { checkAlertsTask } from '../../src/jobs/tasks/check-alerts.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { reportStoredSink } from '../../src/runtime/report-sink.js';
import { insertChannel } from '../../src/store/alert-channels.js';
import { listAlerts } from '../../src/store/alerts.js';
import { listTaskRuns } from '../../src/store/task-runs.js';
import { putRollup } from '../alerts/support.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { NO_SINK, createOrg } from '../support/org.js';

const T0 = new Date('2026-01-15T12:00:00Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the check-alerts task', () => {
  let t: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    t = await openPglite();
  });
  afterAll(async () => {
    await t?.drop();
  });

  function worker() {
    const events: JobEvent[] = [];
    const waiters: (() => void)[] = [];
    const history = new TaskHistory(t.db, silent);
    const queue = new InProcessQueue({
      history,
      maxAttempts: 2,
      backoffMs: 10,
      onEvent: (e) => {
        events.push(e);
        for (const w of waiters.splice(0)) w();
      },
    });
    // deliveries go to a loopback address the guard refuses: the notify runs record them without any traffic
    const c = loadConfig({});
    queue.start(
      taskHandlers({
        db: t.db,
        queue,
        cache: new MemoryCache(60),
        limits: DEFAULT_UNPACK_LIMITS,
        sink: NO_SINK,
        jobs: c.jobs,
        alerts: c.alerts,
        now: () => T0,
      }),
    );
    const done = (name: string) => events.filter((e) => e.name === name && e.type === 'completed').length;
    /** Resolves once `count` runs of `name` completed. */
    const until = async (name: string, count: number) => {
      while (done(name) < count) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    return { queue, events, done, until };
  }

  async function breachingOrg() {
    const org = await createOrg(t.db, `check-${++n}`);
    const ch = await insertChannel(
      t.db,
      org.id,
      {
        name: 'hook',
        type: 'webhook',
        config: { url: 'https://127.0.0.1:9/x', secret: 's'.repeat(20) },
        enabled: true,
      },
      T0,
    );
    await createRule(
      t.db,
      org.id,
      { name: 'failures', type: 'failure_rate', severity: 'warning', channels: [ch.id] },
      { id: null, email: 'admin@example.com' },
      T0,
    );
    await putRollup(t.db, org.id, { domain: 'example.com', day: '2026-01-15', messages: 400, pass: true });
    await putRollup(t.db, org.id, { domain: 'example.com', day: '2026-01-15', messages: 600, pass: false });
    return org.id;
  }

  it('evaluating twice changes nothing and notifies once', async () => {
    const orgId = await breachingOrg();
    const w = worker();
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const runs = (await listTaskRuns(t.db, { orgId, limit: 20, names: ['check-alerts'] })).items.reverse();
    expect(runs.map((r) => r.result)).toEqual([
      expect.objectContaining({ orgId, rules: 1, breaches: 1, opened: 1, updated: 0, deliveries: 1 }),
      expect.objectContaining({ orgId, rules: 1, breaches: 1, opened: 0, updated: 0, deliveries: 0 }),
    ]);
    const alerts = (await listAlerts(t.db, { orgId }, { limit: 10 })).items;
    expect(alerts.map((a) => [a.state, a.occurrences])).toEqual([['open', 1]]);
    // the one notification was queued as one notify run of the organisation
    const notify = (await listTaskRuns(t.db, { orgId, limit: 20, names: ['notify'] })).items;
    expect(notify).toHaveLength(1);
    expect(notify[0]!.payload).toMatchObject({ orgId });
    await w.queue.close();
  });

  it('a delivery left unsent for a while (its job lost) is queued again by the next run', async () => {
    const orgId = await breachingOrg();
    const w = worker();
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    // as if the process had stopped before the notify job ran
    await t.db.query(
      `UPDATE alert_deliveries SET state = 'pending', attempts = 0, last_error = NULL, updated_at = $2 WHERE org_id = $1`,
      [orgId, new Date(T0.getTime() - 3_600_000)],
    );
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const runs = (await listTaskRuns(t.db, { orgId, limit: 20, names: ['check-alerts'] })).items;
    expect(runs[0]!.result).toMatchObject({ opened: 0, deliveries: 0, requeued: 1 });
    expect((await listTaskRuns(t.db, { orgId, limit: 20, names: ['notify'] })).items).toHaveLength(2);
    const d = await t.db.query<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM alert_deliveries WHERE org_id = $1',
      [orgId],
    );
    // (the test channel's loopback target is refused by the guard: failed at its one attempt)
    expect(d.rows).toEqual([{ state: 'failed', attempts: 1 }]);
    await w.queue.close();
  });

  it('the hourly run is platform-wide and queues one run per organisation', async () => {
    const [a, b] = [await breachingOrg(), await breachingOrg()];
    expect(checkAlertsTask.defaultSchedule).toBe('0 * * * *');
    const w = worker();
    await w.queue.enqueue('check-alerts', {});
    await w.queue.drain();
    const platform = (await listTaskRuns(t.db, { orgId: 0, everyOrg: true, limit: 200, names: ['check-alerts'] }))
      .items;
    const wide = platform.find((r) => r.orgId === null);
    expect(wide?.result).toMatchObject({ organisations: expect.any(Number) as number });
    const orgs = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM organizations')).rows[0]!.n;
    expect((wide!.result as { organisations: number }).organisations).toBe(orgs);
    for (const orgId of [a, b]) {
      const mine = platform.filter((r) => r.orgId === orgId);
      expect(mine.map((r) => [r.state, (r.result as { opened: number }).opened])).toEqual([['completed', 1]]);
    }
    await w.queue.close();
  });

  it('a payload that is not one fails at once', async () => {
    const w = worker();
    await w.queue.enqueue('check-alerts', { orgId: 'x' as never });
    await w.queue.drain();
    expect(w.events.filter((e) => e.name === 'check-alerts').map((e) => e.type)).toEqual(['started', 'failed']);
    await w.queue.close();
  });

  it('after stored reports: one run per organisation and burst, a little later (debounced)', async () => {
    const [a, b] = [await breachingOrg(), await breachingOrg()];
    const w = worker();
    const sink = reportStoredSink({
      cache: new MemoryCache(60),
      alerts: { queue: w.queue, debounceMs: 200 },
      log: silent,
    });
    const stored = (orgId: number, reportId: number) =>
      sink.reportStored({
        orgId,
        kind: 'aggregate',
        reportId,
        fileId: reportId,
        domain: 'example.com',
        begin: null,
        records: 1,
        messages: 1,
      });
    for (let i = 1; i <= 5; i++) await stored(a, i);
    await stored(b, 6);
    await stored(b, 7);
    // nothing runs at once: the runs wait for the burst to end
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.events.filter((e) => e.name === 'check-alerts')).toEqual([]);
    await w.until('check-alerts', 2);
    await w.queue.drain();
    const runsOf = async (orgId: number) =>
      (await listTaskRuns(t.db, { orgId, limit: 20, names: ['check-alerts'] })).items.filter((r) => r.orgId === orgId);
    expect(await runsOf(a)).toHaveLength(1);
    expect(await runsOf(b)).toHaveLength(1);
    // another burst later is another run (which finds nothing new)
    await stored(a, 8);
    await stored(a, 9);
    await w.until('check-alerts', 3);
    await w.queue.drain();
    const again = await runsOf(a);
    expect(again).toHaveLength(2);
    expect(again[0]!.result).toMatchObject({ opened: 0, deliveries: 0 });
    await w.queue.close();
  });

  it('the debounce is configurable (DMARC_ALERTS_DEBOUNCE)', () => {
    expect(loadConfig({}).alerts.debounceMs).toBe(60_000);
    expect(loadConfig({ DMARC_ALERTS_DEBOUNCE: '5s' }).alerts.debounceMs).toBe(5000);
    expect(() => loadConfig({ DMARC_ALERTS_DEBOUNCE: 'soon' })).toThrow(/DMARC_ALERTS_DEBOUNCE/);
    expect(() => loadConfig({ DMARC_WEBHOOK_ALLOW_PRIVATE: 'perhaps' })).toThrow(/DMARC_WEBHOOK_ALLOW_PRIVATE/);
    expect(() => loadConfig({ DMARC_SMTP_URL: 'http://mail' })).toThrow(/DMARC_SMTP_URL/);
    expect(() => loadConfig({ DMARC_SMTP_URL: 'smtp://mail', DMARC_SMTP_HOST: 'mail' })).toThrow(/DMARC_SMTP_URL/);
    expect(() => loadConfig({ DMARC_SMTP_USER: 'u' })).toThrow(/DMARC_SMTP_HOST: required when DMARC_SMTP_USER is set/);
    expect(loadConfig({ DMARC_SMTP_HOST: 'mail.example.com', DMARC_SMTP_SECURE: 'true' }).alerts.smtp).toMatchObject({
      host: 'mail.example.com',
      secure: true,
      port: null,
    });
  });
});
