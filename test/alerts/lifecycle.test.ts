// The lifecycle with a controllable clock: one alert per fingerprint (a repeat updates it, evaluating twice changes
// nothing), escalation, auto-resolve after the condition has been clear long enough, the cooldown before a
// fingerprint opens again, what people do (acknowledge, resolve, with notes, in the history and the audit log),
// suppression windows (one-off and recurring) that record breaches without notifying, and rules that cannot be
// evaluated or are deleted; and the cap of notifications per rule and check, beyond which a rule's alerts are
// opened (resolved) all the same and each channel gets one summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnAlert } from '../../src/alerts/actions.js';
import { evaluateOrg } from '../../src/alerts/evaluate.js';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import { AlertResolvedError } from '../../src/alerts/lifecycle.js';
import { changeRule, createRule, removeRule, type RuleInput } from '../../src/alerts/rules-admin.js';
import { createSuppression, type SuppressionInput } from '../../src/alerts/suppressions-admin.js';
import { covers, nextWindow, windowAt } from '../../src/alerts/suppressions.js';
import { insertChannel } from '../../src/store/alert-channels.js';
import { listDeliveries, type AlertDelivery } from '../../src/store/alert-deliveries.js';
import type { AlertSuppression } from '../../src/store/alert-suppressions.js';
import { listAlertEvents, listAlerts, type Alert } from '../../src/store/alerts.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { createOrg } from '../support/org.js';
import { putRollup, storeReports } from './support.js';

const T0 = new Date('2026-01-15T12:00:00Z');
const after = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const ADMIN = { id: null, email: 'admin@example.com' };
const ANALYST = { id: null, email: 'analyst@example.com', ip: '192.0.2.200' };

describe.each(availableEngines())('the alert lifecycle on %s', (engine) => {
  let t: TestDatabase;
  let n = 0;
  beforeAll(async () => {
    t = await openEngine(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** A fresh organisation with a webhook channel and a failure_rate rule on it. */
  async function setup(rule: Partial<RuleInput> = {}) {
    const org = await createOrg(t.db, `life-${engine}-${++n}`);
    const channel = await insertChannel(
      t.db,
      org.id,
      {
        name: 'hook',
        type: 'webhook',
        config: { url: 'https://hooks.example/x', secret: 's'.repeat(20) },
        enabled: true,
      },
      T0,
    );
    const r = await createRule(
      t.db,
      org.id,
      { name: 'failures', type: 'failure_rate', severity: 'warning', channels: [channel.id], ...rule },
      ADMIN,
      T0,
    );
    return { orgId: org.id, rule: r, channel };
  }
  /** Messages of the 15th for a domain (the 24-hour window of the tests' clock holds that day). */
  const failing = (orgId: number, domain: string, messages: number, failed: number) =>
    Promise.all([
      putRollup(t.db, orgId, { domain, day: '2026-01-15', messages: messages - failed, pass: true }),
      putRollup(t.db, orgId, { domain, day: '2026-01-15', messages: failed, pass: false }),
    ]);
  const clear = (orgId: number) => t.db.query('DELETE FROM rollup_daily WHERE org_id = $1', [orgId]);
  const evaluate = (orgId: number, now: Date) => evaluateOrg({ db: t.db, now }, orgId);
  const alerts = async (orgId: number): Promise<Alert[]> =>
    (await listAlerts(t.db, { orgId }, { limit: 100 })).items.reverse();
  const deliveries = async (orgId: number, alertId: number) =>
    (await listDeliveries(t.db, orgId, alertId)).map((d) => [d.event, d.severity, d.channelName]);
  const history = async (orgId: number, alertId: number) =>
    (await listAlertEvents(t.db, orgId, alertId)).map((e) => [e.action, e.actor, e.fromState, e.toState, e.note]);
  const auditOf = async (orgId: number) =>
    (
      await t.db.query<{ action: string; actor: string; target: string }>(
        `SELECT action, actor, target FROM audit_log WHERE org_id = $1 AND action LIKE 'alert.%' ORDER BY id`,
        [orgId],
      )
    ).rows.map((r) => [r.action, r.actor]);
  /** Everything the lifecycle writes, to compare before and after. */
  const snapshot = async (orgId: number) => ({
    alerts: await alerts(orgId),
    events: (await t.db.query('SELECT * FROM alert_events WHERE org_id = $1 ORDER BY id', [orgId])).rows,
    deliveries: (await t.db.query('SELECT * FROM alert_deliveries WHERE org_id = $1 ORDER BY id', [orgId])).rows,
    audit: (await t.db.query('SELECT * FROM audit_log WHERE org_id = $1 ORDER BY id', [orgId])).rows,
  });

  it('opens one alert per fingerprint and notifies once; evaluating twice changes nothing; repeats only update', async () => {
    const { orgId, rule } = await setup();
    await failing(orgId, 'a.example', 1000, 300);
    const first = await evaluate(orgId, T0);
    expect(first).toMatchObject({ rules: 1, breaches: 1, opened: 1, updated: 0, failedRules: [] });
    expect(first.deliveries).toHaveLength(1);
    const [a] = await alerts(orgId);
    expect(a).toMatchObject({
      state: 'open',
      severity: 'warning',
      domain: 'a.example',
      subject: null,
      occurrences: 1,
      notifiedSeverity: 'warning',
      suppressed: false,
      fingerprint: fingerprint(orgId, rule.id, 'a.example', null),
      figures: { messages: 1000, failed: 300, failureRate: 0.3 },
    });
    expect(a!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a!.firstSeenAt).toEqual(T0);
    expect(await deliveries(orgId, a!.id)).toEqual([['opened', 'warning', 'hook']]);
    expect(await history(orgId, a!.id)).toEqual([['opened', 'system', null, 'open', null]]);
    expect(await auditOf(orgId)).toEqual([['alert.opened', 'system']]);

    // the same data at the same time: nothing at all changes
    const before = await snapshot(orgId);
    const again = await evaluate(orgId, T0);
    expect(again).toMatchObject({ breaches: 1, opened: 0, updated: 0, deliveries: [] });
    expect(await snapshot(orgId)).toEqual(before);

    // later in the same hour: last seen moves, nothing else; in the next hour, a second occurrence
    await evaluate(orgId, after(40));
    await failing(orgId, 'a.example', 1000, 500);
    const later = await evaluate(orgId, after(65));
    expect(later).toMatchObject({ opened: 0, updated: 1, deliveries: [] });
    const [b] = await alerts(orgId);
    expect(b).toMatchObject({ id: a!.id, occurrences: 2, figures: { messages: 2000, failed: 800 } });
    expect(b!.lastSeenAt).toEqual(after(65));
    expect(b!.firstSeenAt).toEqual(T0);
    expect((await snapshot(orgId)).events).toHaveLength(1);
    expect(await deliveries(orgId, a!.id)).toHaveLength(1);
    // another domain is another fingerprint
    await failing(orgId, 'b.example', 200, 100);
    expect((await evaluate(orgId, after(70))).opened).toBe(1);
    expect((await alerts(orgId)).map((x) => x.domain)).toEqual(['a.example', 'b.example']);
  });

  it('escalates (and notifies) when the severity rises; it never drops while the alert is unresolved', async () => {
    const { orgId, rule } = await setup({ params: { criticalThreshold: 0.5 } });
    await failing(orgId, 'esc.example', 1000, 300);
    await evaluate(orgId, T0);
    const [a] = await alerts(orgId);
    expect(a!.severity).toBe('warning');
    // more failures: past the critical threshold
    await failing(orgId, 'esc.example', 1000, 900);
    const e = await evaluate(orgId, after(5));
    expect(e).toMatchObject({ escalated: 1, opened: 0 });
    expect(e.deliveries).toHaveLength(1);
    expect((await alerts(orgId))[0]).toMatchObject({ severity: 'critical', notifiedSeverity: 'critical' });
    expect(await deliveries(orgId, a!.id)).toEqual([
      ['opened', 'warning', 'hook'],
      ['escalated', 'critical', 'hook'],
    ]);
    expect((await listAlertEvents(t.db, orgId, a!.id))[1]).toMatchObject({
      action: 'escalated',
      details: { from: 'warning', to: 'critical' },
    });
    // back under the critical threshold: still critical, nobody told again
    await clear(orgId);
    await failing(orgId, 'esc.example', 1000, 300);
    expect(await evaluate(orgId, after(10))).toMatchObject({ escalated: 0, deliveries: [] });
    expect((await alerts(orgId))[0]!.severity).toBe('critical');

    // the rule's own severity raised by an admin escalates too
    const other = await setup();
    await failing(other.orgId, 'x.example', 1000, 300);
    await evaluate(other.orgId, T0);
    await changeRule(t.db, other.orgId, other.rule.id, { severity: 'critical' }, ADMIN, after(1));
    expect(await evaluate(other.orgId, after(2))).toMatchObject({ escalated: 1 });
    expect(await auditOf(other.orgId)).toEqual([
      ['alert.opened', 'system'],
      ['alert.escalated', 'system'],
    ]);
    void rule;
  });

  it('resolves itself once the condition has been clear for resolveAfterMinutes, notifying when the rule asks', async () => {
    const { orgId } = await setup({ resolveAfterMinutes: 60, notifyOnResolve: true });
    await failing(orgId, 'r.example', 1000, 300);
    await evaluate(orgId, T0);
    const [a] = await alerts(orgId);
    await clear(orgId);
    await evaluate(orgId, after(10));
    expect((await alerts(orgId))[0]).toMatchObject({ state: 'open', clearSince: after(10) });
    // the breach is back before the hour: the clock starts again
    await failing(orgId, 'r.example', 1000, 300);
    await evaluate(orgId, after(20));
    expect((await alerts(orgId))[0]!.clearSince).toBeNull();
    await clear(orgId);
    await evaluate(orgId, after(30));
    expect((await evaluate(orgId, after(89))).resolved).toBe(0);
    const done = await evaluate(orgId, after(90));
    expect(done).toMatchObject({ resolved: 1 });
    expect(done.deliveries).toHaveLength(1);
    const [r] = await alerts(orgId);
    expect(r).toMatchObject({ state: 'resolved', resolvedBy: 'system', clearSince: after(30) });
    expect(r!.resolvedAt).toEqual(after(90));
    expect(await deliveries(orgId, a!.id)).toEqual([
      ['opened', 'warning', 'hook'],
      ['resolved', 'warning', 'hook'],
    ]);
    expect((await history(orgId, a!.id)).map((h) => h.slice(0, 4))).toEqual([
      ['opened', 'system', null, 'open'],
      ['resolved', 'system', 'open', 'resolved'],
    ]);
    // without notifyOnResolve, a resolve tells nobody
    const quiet = await setup({ resolveAfterMinutes: 0 });
    await failing(quiet.orgId, 'q.example', 1000, 300);
    await evaluate(quiet.orgId, T0);
    await clear(quiet.orgId);
    expect(await evaluate(quiet.orgId, after(1))).toMatchObject({ resolved: 1, deliveries: [] });
  });

  it('waits out the cooldown before the same fingerprint opens again', async () => {
    const { orgId } = await setup({ resolveAfterMinutes: 0, cooldownMinutes: 120 });
    await failing(orgId, 'c.example', 1000, 300);
    await evaluate(orgId, T0);
    await clear(orgId);
    await evaluate(orgId, after(10)); // resolved at +10
    await failing(orgId, 'c.example', 1000, 300);
    expect(await evaluate(orgId, after(60))).toMatchObject({ coolingDown: 1, opened: 0, deliveries: [] });
    expect(await evaluate(orgId, after(129))).toMatchObject({ coolingDown: 1, opened: 0 });
    const reopened = await evaluate(orgId, after(130));
    expect(reopened).toMatchObject({ coolingDown: 0, opened: 1 });
    expect(reopened.deliveries).toHaveLength(1);
    const list = await alerts(orgId);
    expect(list.map((x) => x.state)).toEqual(['resolved', 'open']);
    expect(list[0]!.fingerprint).toBe(list[1]!.fingerprint);
  });

  it('people acknowledge and resolve with a note, kept in the history and the audit log', async () => {
    const { orgId } = await setup({ cooldownMinutes: 0, notifyOnResolve: true });
    await failing(orgId, 'p.example', 1000, 300);
    await evaluate(orgId, T0);
    const [a] = await alerts(orgId);
    const ack = await actOnAlert(t.db, orgId, a!.id, 'acknowledge', ANALYST, 'looking into it', after(5));
    expect(ack).toMatchObject({ changed: true, alert: { state: 'acknowledged', acknowledgedBy: ANALYST.email } });
    expect((await actOnAlert(t.db, orgId, a!.id, 'acknowledge', ANALYST, null, after(6)))!.changed).toBe(false);
    // a repeat keeps it acknowledged
    await evaluate(orgId, after(70));
    expect((await alerts(orgId))[0]).toMatchObject({ state: 'acknowledged', occurrences: 2 });
    const res = await actOnAlert(t.db, orgId, a!.id, 'resolve', ANALYST, 'fixed the SPF record', after(80));
    expect(res!.alert).toMatchObject({ state: 'resolved', resolvedBy: ANALYST.email });
    expect(res!.deliveries).toHaveLength(1);
    await expect(actOnAlert(t.db, orgId, a!.id, 'resolve', ANALYST, null, after(81))).rejects.toBeInstanceOf(
      AlertResolvedError,
    );
    await expect(actOnAlert(t.db, orgId, a!.id, 'acknowledge', ANALYST, null, after(81))).rejects.toBeInstanceOf(
      AlertResolvedError,
    );
    expect(await actOnAlert(t.db, orgId, 999_999, 'resolve', ANALYST, null, after(81))).toBeUndefined();
    expect(await history(orgId, a!.id)).toEqual([
      ['opened', 'system', null, 'open', null],
      ['acknowledged', ANALYST.email, 'open', 'acknowledged', 'looking into it'],
      ['resolved', ANALYST.email, 'acknowledged', 'resolved', 'fixed the SPF record'],
    ]);
    const audit = await t.db.query<{ action: string; actor: string; ip: string | null; details: { note?: string } }>(
      `SELECT action, actor, ip, details FROM audit_log WHERE org_id = $1 AND action LIKE 'alert.%' ORDER BY id`,
      [orgId],
    );
    expect(audit.rows.map((r) => [r.action, r.actor, r.ip, r.details.note ?? null])).toEqual([
      ['alert.opened', 'system', null, null],
      ['alert.acknowledged', ANALYST.email, ANALYST.ip, 'looking into it'],
      ['alert.resolved', ANALYST.email, ANALYST.ip, 'fixed the SPF record'],
    ]);
    // still breaching, no cooldown: a new alert opens at the next check
    expect((await evaluate(orgId, after(90))).opened).toBe(1);
  });

  it('a breach inside a suppression window is recorded and visible, never notified; after the window it is', async () => {
    const { orgId } = await setup();
    const sup = await createSuppression(
      t.db,
      orgId,
      {
        domain: 'maint.example',
        startsAt: after(-60).toISOString(),
        endsAt: after(60).toISOString(),
        reason: 'DNS move',
      },
      ADMIN,
      T0,
    );
    await failing(orgId, 'maint.example', 1000, 300);
    await failing(orgId, 'other.example', 1000, 300);
    const s = await evaluate(orgId, T0);
    expect(s).toMatchObject({ breaches: 2, opened: 2, suppressed: 1 });
    expect(s.deliveries).toHaveLength(1); // other.example's only
    const maint = (await alerts(orgId)).find((a) => a.domain === 'maint.example')!;
    expect(maint).toMatchObject({ state: 'open', suppressed: true, suppressedBy: sup.id, notifiedSeverity: null });
    expect((await listAlertEvents(t.db, orgId, maint.id))[0]!.details).toMatchObject({
      suppressedBy: sup.id,
      suppressionReason: 'DNS move',
    });
    expect((await listAlerts(t.db, { orgId, suppressed: true }, { limit: 10 })).items.map((a) => a.id)).toEqual([
      maint.id,
    ]);
    expect(await evaluate(orgId, after(59))).toMatchObject({ suppressed: 1, deliveries: [] });
    // the window is over and the breach goes on: now it is told
    const later = await evaluate(orgId, after(60));
    expect(later).toMatchObject({ suppressed: 0 });
    expect(later.deliveries).toHaveLength(1);
    expect(await deliveries(orgId, maint.id)).toEqual([['opened', 'warning', 'hook']]);
    expect((await alerts(orgId)).find((a) => a.id === maint.id)).toMatchObject({
      suppressed: false,
      suppressedBy: null,
    });
  });

  it('a recurring suppression (cron and duration, in its time zone) holds in each window only', async () => {
    const { orgId, rule } = await setup({ resolveAfterMinutes: 0, cooldownMinutes: 0 });
    // 03:00 in Berlin (02:00 UTC in winter), for an hour, every night
    await createSuppression(
      t.db,
      orgId,
      { ruleId: rule.id, cron: '0 3 * * *', timezone: 'Europe/Berlin', durationMinutes: 60, reason: 'nightly backup' },
      ADMIN,
      T0,
    );
    await failing(orgId, 'night.example', 1000, 300);
    const night = new Date('2026-01-15T02:30:00Z');
    expect(await evaluate(orgId, night)).toMatchObject({ opened: 1, suppressed: 1, deliveries: [] });
    // the next night's window: still quiet; a morning's check tells it
    await clear(orgId);
    await evaluate(orgId, new Date('2026-01-15T02:40:00Z'));
    await failing(orgId, 'night.example', 1000, 300);
    expect(await evaluate(orgId, new Date('2026-01-16T02:05:00Z'))).toMatchObject({ suppressed: 1, deliveries: [] });
    const morning = await evaluate(orgId, new Date('2026-01-16T03:00:00Z'));
    expect(morning).toMatchObject({ suppressed: 0 });
    expect(morning.deliveries).toHaveLength(1);
  });

  it('what a suppression covers, and when its windows are', () => {
    const base: AlertSuppression = {
      id: 1,
      orgId: 1,
      ruleId: null,
      domain: null,
      subject: null,
      startsAt: null,
      endsAt: null,
      cron: '30 1 * * 0',
      timezone: 'UTC',
      durationMinutes: 90,
      reason: 'r',
      createdById: null,
      createdBy: 'x',
      createdAt: T0,
      updatedAt: T0,
    };
    expect(covers(base, 7, 'a.example', null)).toBe(true);
    expect(covers({ ...base, ruleId: 8 }, 7, 'a.example', null)).toBe(false);
    expect(covers({ ...base, domain: 'A.Example' }, 7, 'a.example', null)).toBe(true);
    expect(covers({ ...base, domain: 'a.example' }, 7, null, null)).toBe(false);
    expect(covers({ ...base, subject: '192.0.2.0/24' }, 7, 'a.example', '192.0.2.77')).toBe(true);
    expect(covers({ ...base, subject: '192.0.2.0/24' }, 7, 'a.example', '192.0.3.1')).toBe(false);
    expect(covers({ ...base, subject: '2001:db8::/32' }, 7, 'a.example', '2001:db8::1')).toBe(true);
    expect(covers({ ...base, subject: '2001:db8::/32' }, 7, 'a.example', '192.0.2.1')).toBe(false);
    expect(covers({ ...base, subject: 'Google.com' }, 7, 'a.example', 'google.com')).toBe(true);
    expect(covers({ ...base, subject: 'google.com' }, 7, 'a.example', null)).toBe(false);
    // Sundays 01:30-03:00 UTC; 2026-01-18 is a Sunday
    expect(windowAt(base, new Date('2026-01-18T01:29:59Z'))).toBeNull();
    expect(windowAt(base, new Date('2026-01-18T01:30:00Z'))?.start).toEqual(new Date('2026-01-18T01:30:00Z'));
    expect(windowAt(base, new Date('2026-01-18T02:59:59Z'))?.end).toEqual(new Date('2026-01-18T03:00:00Z'));
    expect(windowAt(base, new Date('2026-01-18T03:00:00Z'))).toBeNull();
    expect(nextWindow(base, T0)).toEqual({
      start: new Date('2026-01-18T01:30:00Z'),
      end: new Date('2026-01-18T03:00:00Z'),
    });
    // bounded by endsAt: no window after it
    expect(nextWindow({ ...base, endsAt: new Date('2026-01-17T00:00:00Z') }, T0)).toBeNull();
    expect(
      windowAt({ ...base, startsAt: new Date('2026-02-01T00:00:00Z') }, new Date('2026-01-18T02:00:00Z')),
    ).toBeNull();
    const oneOff = { ...base, cron: null, durationMinutes: null, startsAt: after(10), endsAt: after(20) };
    expect(windowAt(oneOff, after(9))).toBeNull();
    expect(windowAt(oneOff, after(10))).not.toBeNull();
    expect(windowAt(oneOff, after(20))).toBeNull();
    expect(nextWindow(oneOff, T0)).toEqual({ start: after(10), end: after(20) });
    expect(nextWindow(oneOff, after(30))).toBeNull();
  });

  it('a suppression of one source (its IP or network) keeps that alert quiet and no other', async () => {
    const { orgId, rule } = await setup({ type: 'new_sender', params: {} });
    await storeReports(t.db, orgId, [
      { domain: 'src.example', day: '2026-01-01', records: [{ ip: '192.0.2.1', count: 100 }] },
      {
        domain: 'src.example',
        day: '2026-01-15',
        records: [
          { ip: '198.51.100.7', count: 50 },
          { ip: '203.0.113.8', count: 50 },
        ],
      },
    ]);
    const input: SuppressionInput = {
      ruleId: rule.id,
      subject: '198.51.100.0/24',
      cron: '* * * * *',
      durationMinutes: 5,
      reason: 'our ESP',
    };
    await createSuppression(t.db, orgId, input, ADMIN, T0);
    const s = await evaluate(orgId, T0);
    expect(s).toMatchObject({ opened: 2, suppressed: 1 });
    const list = await alerts(orgId);
    expect(list.map((a) => [a.subject, a.suppressed])).toEqual([
      ['198.51.100.7', true],
      ['203.0.113.8', false],
    ]);
  });

  it('a rule that cannot be evaluated decides nothing about its alerts; a disabled channel gets nothing', async () => {
    const { orgId, rule, channel } = await setup();
    await failing(orgId, 'f.example', 1000, 300);
    await evaluate(orgId, T0);
    await t.db.query(`UPDATE alert_rules SET params = '{"threshold": 5}'::jsonb WHERE id = $1`, [rule.id]);
    await clear(orgId);
    const s = await evaluate(orgId, after(120));
    expect(s.failedRules).toEqual([{ ruleId: rule.id, name: 'failures', error: expect.stringMatching(/parameters/) }]);
    expect((await alerts(orgId))[0]).toMatchObject({ state: 'open', clearSince: null });
    // fixed again, with the channel switched off: the next alert notifies nobody
    await t.db.query(`UPDATE alert_rules SET params = '{}'::jsonb WHERE id = $1`, [rule.id]);
    await t.db.query('UPDATE alert_channels SET enabled = false WHERE id = $1', [channel.id]);
    await failing(orgId, 'g.example', 1000, 300);
    expect(await evaluate(orgId, after(130))).toMatchObject({ opened: 1, deliveries: [] });
  });

  it('deleting a rule resolves its unresolved alerts (they could not resolve themselves)', async () => {
    const { orgId, rule } = await setup({ notifyOnResolve: true });
    await failing(orgId, 'd.example', 1000, 300);
    await evaluate(orgId, T0);
    const r = await removeRule(t.db, orgId, rule.id, ADMIN, after(5));
    expect(r.deleted).toBe(true);
    expect(r.deliveries).toHaveLength(1);
    const [a] = await alerts(orgId);
    expect(a).toMatchObject({ state: 'resolved', ruleId: null, ruleName: 'failures', resolvedBy: ADMIN.email });
    expect((await history(orgId, a!.id)).at(-1)).toEqual([
      'resolved',
      ADMIN.email,
      'open',
      'resolved',
      'the rule was deleted',
    ]);
    expect((await removeRule(t.db, orgId, rule.id, ADMIN, after(6))).deleted).toBe(false);
  });
  it('notifies at most notifyMaxPerRule alerts of a rule one by one per check; one summary per channel for the rest', async () => {
    const { orgId, rule, channel } = await setup({ resolveAfterMinutes: 0, notifyOnResolve: true });
    const second = await insertChannel(
      t.db,
      orgId,
      { name: 'mail', type: 'email', config: { to: ['a@example.com'] }, enabled: true },
      T0,
    );
    await changeRule(t.db, orgId, rule.id, { channels: [channel.id, second.id] }, ADMIN, T0);
    // another rule under the cap: its own count, no summary
    const other = await createRule(
      t.db,
      orgId,
      {
        name: 'failures 40 %',
        type: 'failure_rate',
        severity: 'critical',
        channels: [channel.id],
        params: { threshold: 0.4 },
      },
      ADMIN,
      T0,
    );
    const domains = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => `${x}.cap.example`);
    for (const [i, d] of domains.entries()) await failing(orgId, d, 1000, i < 2 ? 500 : 200);
    const summaries = async () =>
      (
        await t.db.query<Pick<AlertDelivery, 'id' | 'ruleId' | 'alertId' | 'channelName' | 'severity' | 'summary'>>(
          `SELECT id, rule_id AS "ruleId", alert_id AS "alertId", channel_name AS "channelName", severity, summary
           FROM alert_deliveries WHERE org_id = $1 AND event = 'summary' ORDER BY id`,
          [orgId],
        )
      ).rows;

    const first = await evaluateOrg({ db: t.db, now: T0, notifyMaxPerRule: 3 }, orgId);
    // 7 breaches of the first rule, 2 of the other: every one opened
    expect(first).toMatchObject({ breaches: 9, opened: 9, summarized: 4 });
    const all = await alerts(orgId);
    expect(all).toHaveLength(9);
    expect(all.every((a) => a.state === 'open' && a.notifiedSeverity !== null)).toBe(true);
    const mine = all.filter((a) => a.ruleId === rule.id);
    const one = await Promise.all(mine.map((a) => deliveries(orgId, a.id)));
    // the first 3 alerts notified one by one, on both channels; the 4 others in the summary
    expect(one.map((d) => d.length)).toEqual([2, 2, 2, 0, 0, 0, 0]);
    const notedInSummary = await Promise.all(
      mine.map(async (a) => (await listAlertEvents(t.db, orgId, a.id))[0]!.details.notifiedInSummary === true),
    );
    expect(notedInSummary).toEqual([false, false, false, true, true, true, true]);
    for (const a of all.filter((x) => x.ruleId === other.id)) {
      expect(await deliveries(orgId, a.id)).toEqual([['opened', 'critical', 'hook']]);
    }
    const summary = {
      ruleName: 'failures',
      ruleType: 'failure_rate',
      domain: null,
      counts: { opened: 4, escalated: 0, resolved: 0 },
      notified: 3,
    };
    expect(await summaries()).toEqual([
      { id: expect.any(Number), ruleId: rule.id, alertId: null, channelName: 'hook', severity: 'warning', summary },
      { id: expect.any(Number), ruleId: rule.id, alertId: null, channelName: 'mail', severity: 'warning', summary },
    ]);
    // 3 x 2 + 2 + 2 summaries, all of them for the notify task
    expect(first.deliveries).toHaveLength(10);

    // evaluating again: nothing more is sent (the alerts in the summary count as notified)
    const before = await snapshot(orgId);
    expect(await evaluateOrg({ db: t.db, now: after(5), notifyMaxPerRule: 3 }, orgId)).toMatchObject({
      opened: 0,
      summarized: 0,
      deliveries: [],
    });
    expect((await snapshot(orgId)).deliveries).toEqual(before.deliveries);

    // every condition clears: the first rule's 7 resolve (the other's wait for its resolveAfterMinutes); it
    // notifies 3 resolves one by one and sums up 4
    await clear(orgId);
    const resolved = await evaluateOrg({ db: t.db, now: after(10), notifyMaxPerRule: 3 }, orgId);
    expect(resolved).toMatchObject({ resolved: 7, summarized: 4 });
    expect((await summaries()).slice(2).map((d) => [d.channelName, d.summary?.counts])).toEqual([
      ['hook', { opened: 0, escalated: 0, resolved: 4 }],
      ['mail', { opened: 0, escalated: 0, resolved: 4 }],
    ]);
  });
  it('opens more alerts than one batch holds, each with its history, audit entry and notification (or summary)', async () => {
    const { orgId, rule } = await setup();
    // 1,005 failing domains: more than one batch of opens (1,000)
    await t.db.query(
      `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, records, messages)
       SELECT $1::bigint, 'd' || lpad(i::text, 4, '0') || '.example', DATE '2026-01-15', 'reporter.test', 'none',
         CASE WHEN o = 0 THEN 'pass' ELSE 'fail' END, 'fail', 1, 500
       FROM generate_series(1, 1005) i, generate_series(0, 1) o`,
      [orgId],
    );
    const r = await evaluateOrg({ db: t.db, now: T0, notifyMaxPerRule: 20 }, orgId);
    expect(r).toMatchObject({ breaches: 1005, opened: 1005, summarized: 985 });
    // 20 deliveries of their own, one summary
    expect(r.deliveries).toHaveLength(21);
    const rows = await t.db.query<{
      id: number;
      domain: string;
      notified_severity: string;
      events: number;
      audits: number;
    }>(
      `SELECT a.id, a.domain, a.notified_severity,
         (SELECT count(*)::int FROM alert_events e WHERE e.org_id = a.org_id AND e.alert_id = a.id AND e.action = 'opened') AS events,
         (SELECT count(*)::int FROM audit_log l WHERE l.org_id = a.org_id AND l.target = 'alert:' || a.id AND l.action = 'alert.opened') AS audits
       FROM alerts a WHERE a.org_id = $1 ORDER BY a.id`,
      [orgId],
    );
    expect(rows.rows).toHaveLength(1005);
    // opened in the order the rule found them (by domain), each with one history entry and one audit entry
    expect(rows.rows.map((x) => x.domain)).toEqual([...rows.rows.map((x) => x.domain)].sort());
    expect(rows.rows.every((x) => x.events === 1 && x.audits === 1 && x.notified_severity === 'warning')).toBe(true);
    const firsts = rows.rows.slice(0, 21).map((x) => x.id);
    const own = await t.db.query<{ alert_id: number }>(
      `SELECT alert_id FROM alert_deliveries WHERE org_id = $1 AND event = 'opened' ORDER BY id`,
      [orgId],
    );
    expect(own.rows.map((x) => x.alert_id)).toEqual(firsts.slice(0, 20));
    const [summary] = (
      await t.db.query<{ rule_id: number; summary: { counts: Record<string, number> } }>(
        `SELECT rule_id, summary FROM alert_deliveries WHERE org_id = $1 AND event = 'summary'`,
        [orgId],
      )
    ).rows;
    expect(summary).toMatchObject({ rule_id: rule.id, summary: { counts: { opened: 985 } } });
    // and a second check changes nothing
    expect(await evaluateOrg({ db: t.db, now: T0, notifyMaxPerRule: 20 }, orgId)).toMatchObject({
      opened: 0,
      updated: 0,
      deliveries: [],
    });
  });
});
