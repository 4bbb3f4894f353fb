// The alerts API on a real app and database with a controllable clock: rules (create, read, change, delete, the
// rule types, the preview that stores nothing), the evaluation run now, the alert list (filters, cursor pages),
// one alert with its history and deliveries, acknowledging and resolving with notes (history and audit log),
// suppressions (window and recurring), the seed's /alerts alias, every bad input as a problem+json 400/404/409,
// what each role may do, and organisation isolation. (Every route's role is also in the RBAC matrix.)
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChannel } from '../../src/store/alert-channels.js';
import { insertDelivery } from '../../src/store/alert-deliveries.js';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { putRollup } from '../alerts/support.js';
import { expectProblem } from './helpers.js';

const DAY = '2026-01-15'; // the test clock's day

describe.each(availableEngines())('alerts API on %s', (engine) => {
  let x: TestApp;
  let admin: Record<string, string>;
  let analyst: Record<string, string>;
  let viewer: Record<string, string>;
  let otherAdmin: Record<string, string>;
  let otherOrgId: number;

  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000' });
    admin = bearer(await x.token('admin'));
    analyst = bearer(await x.token('analyst'));
    viewer = bearer(await x.token('viewer'));
    const other = await createOrg(x.t.db, 'other');
    otherOrgId = other.id;
    const { user } = await x.auth.createUser({
      email: 'other-admin@example.com',
      name: 'other admin',
      password: TEST_PASSWORD,
      member: { orgId: other.id, role: 'admin' },
    });
    otherAdmin = bearer(await x.auth.access.sign(user.id));
    // failing mail for two domains of the default organisation, healthy mail for a third
    for (const [domain, messages, failed] of [
      ['bad.example', 1000, 400],
      ['worse.example', 500, 450],
      ['fine.example', 1000, 10],
    ] as const) {
      await putRollup(x.t.db, DEFAULT_ORG_ID, { domain, day: DAY, messages: messages - failed, pass: true });
      await putRollup(x.t.db, DEFAULT_ORG_ID, { domain, day: DAY, messages: failed, pass: false });
    }
    // and for the other organisation
    await putRollup(x.t.db, otherOrgId, { domain: 'theirs.example', day: DAY, messages: 900, pass: false });
  });
  afterAll(async () => {
    await x?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<LightMyRequestResponse> =>
    x.app.inject({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const ok = async <T>(r: Promise<LightMyRequestResponse>, status = 200): Promise<T> => {
    const res = await r;
    expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
    return res.json<T>();
  };
  const auditActions = async (orgId: number, like: string) =>
    (
      await x.t.db.query<{ action: string; actor: string; target: string; details: Record<string, unknown> }>(
        `SELECT action, actor, target, details FROM audit_log WHERE org_id = $1 AND action LIKE $2 ORDER BY id`,
        [orgId, like],
      )
    ).rows;

  interface Rule {
    id: number;
    name: string;
    type: string;
    domain: string | null;
    severity: string;
    params: Record<string, unknown>;
    channels: number[];
    enabled: boolean;
  }
  interface AlertItem {
    id: number;
    ruleId: number | null;
    domain: string | null;
    severity: string;
    state: string;
    summary: string;
    acknowledgedBy: string | null;
    resolvedBy: string | null;
  }
  interface Page<T> {
    items: T[];
    total: number;
    nextCursor: string | null;
  }

  let rule: Rule;

  describe('rules', () => {
    it('lists the rule types with their defaults and parameter schema', async () => {
      const body = await ok<{ items: { name: string; defaults: Record<string, unknown>; paramsSchema: object }[] }>(
        call('GET', '/api/alerts/rules/types', viewer),
      );
      const names = body.items.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['failure_rate', 'new_sender', 'missing_reports']));
      const fr = body.items.find((t) => t.name === 'failure_rate')!;
      expect(fr.defaults).toMatchObject({ threshold: 0.1, windowHours: 24, minMessages: 100 });
      expect(fr.paramsSchema).toMatchObject({ type: 'object' });
    });

    it('creates a rule with the defaults filled in, reads, lists and audits it', async () => {
      rule = await ok<Rule>(
        call('POST', '/api/alerts/rules', admin, {
          name: 'Failures',
          type: 'failure_rate',
          severity: 'warning',
          params: { threshold: 0.2 },
        }),
        201,
      );
      expect(rule).toMatchObject({
        name: 'Failures',
        type: 'failure_rate',
        domain: null,
        severity: 'warning',
        channels: [],
        enabled: true,
        params: { threshold: 0.2, windowHours: 24, minMessages: 100, criticalThreshold: null },
      });
      expect(await ok<Rule>(call('GET', `/api/alerts/rules/${rule.id}`, viewer))).toEqual(rule);
      const list = await ok<{ items: Rule[] }>(call('GET', '/api/alerts/rules', viewer));
      expect(list.items.map((r) => r.id)).toEqual([rule.id]);
      const audit = await auditActions(DEFAULT_ORG_ID, 'alert_rule.%');
      expect(audit.at(-1)).toMatchObject({
        action: 'alert_rule.created',
        actor: 'admin@example.com',
        target: `alert_rule:${rule.id}`,
      });
    });

    it('takes null as null (every domain, no critical threshold), and a blank domain as none', async () => {
      const r = await ok<Rule>(
        call('POST', '/api/alerts/rules', admin, {
          name: 'Nulls',
          type: 'failure_rate',
          severity: 'info',
          domain: null,
          params: { criticalThreshold: null },
        }),
        201,
      );
      expect(r).toMatchObject({ domain: null, params: { criticalThreshold: null } });
      const p = await ok<{ domain: string | null; breaches: unknown[] }>(
        call('POST', '/api/alerts/rules/preview', admin, { type: 'failure_rate', domain: null }),
      );
      expect(p.domain).toBeNull();
      const blank = await ok<Rule>(call('PATCH', `/api/alerts/rules/${r.id}`, admin, { domain: '' }));
      expect(blank.domain).toBeNull();
      expect((await call('DELETE', `/api/alerts/rules/${r.id}`, admin)).statusCode).toBe(204);
    });

    it('changes a rule (fields given only) and audits it', async () => {
      const changed = await ok<Rule>(call('PATCH', `/api/alerts/rules/${rule.id}`, admin, { severity: 'critical' }));
      expect(changed).toMatchObject({ id: rule.id, severity: 'critical', params: rule.params, name: 'Failures' });
      rule = changed;
      expect((await auditActions(DEFAULT_ORG_ID, 'alert_rule.%')).at(-1)?.action).toBe('alert_rule.updated');
    });

    it('refuses bad rules with a clear problem+json 400 (or 409 for a taken name)', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ name: 'x', type: 'no_such_type', severity: 'info' }, 'type', /must be one of failure_rate/],
        [{ name: 'x', type: 'failure_rate', severity: 'info', params: { bogus: 1 } }, 'params', /bogus/],
        [{ name: 'x', type: 'failure_rate', severity: 'info', params: { threshold: 2 } }, 'params.threshold', /2|1/],
        [{ name: 'x', type: 'failure_rate', severity: 'info', params: { threshold: 'a' } }, 'params.threshold', /./],
        [{ name: 'x', type: 'failure_rate', severity: 'loud' }, 'severity', /./],
        [{ name: 'x', type: 'failure_rate', severity: 'info', domain: 'not a domain' }, 'domain', /domain name/],
        [{ name: 'x', type: 'failure_rate', severity: 'info', channels: [424242] }, 'channels', /no channel 424242/],
        [{ name: 'x', type: 'ingest_failing', severity: 'info', domain: 'a.example' }, 'domain', /as a whole/],
        [{ name: 'x', type: 'failure_rate', severity: 'info', colour: 'red' }, 'colour', /not a known field/],
        [{ type: 'failure_rate', severity: 'info' }, 'name', /./],
      ];
      for (const [body, field, message] of cases) {
        const p = expectProblem(await call('POST', '/api/alerts/rules', admin, body), 400, 'validation_failed');
        const e = p.errors?.find((er) => er.field.startsWith(field));
        expect(e, `${JSON.stringify(body)} → ${JSON.stringify(p.errors)}`).toBeDefined();
        expect(`${e!.field} ${e!.message}`).toMatch(message);
      }
      const patch = await call('PATCH', `/api/alerts/rules/${rule.id}`, admin, { params: { minMessages: 0 } });
      expectProblem(patch, 400, 'validation_failed');
      expectProblem(await call('PATCH', `/api/alerts/rules/${rule.id}`, admin, {}), 400, 'validation_failed');
      const dup = await call('POST', '/api/alerts/rules', admin, {
        name: 'Failures',
        type: 'failure_rate',
        severity: 'info',
      });
      expectProblem(dup, 409, 'name_taken');
      expectProblem(await call('GET', '/api/alerts/rules/abc', viewer), 400, 'validation_failed');
      expectProblem(await call('GET', '/api/alerts/rules/0', viewer), 400, 'validation_failed');
      expectProblem(await call('GET', '/api/alerts/rules/999999', viewer), 404, 'alert_rule_not_found');
      expectProblem(await call('PATCH', '/api/alerts/rules/999999', admin, { enabled: false }), 404);
      expectProblem(await call('DELETE', '/api/alerts/rules/999999', admin), 404, 'alert_rule_not_found');
    });

    it('previews what a rule would fire on now, storing nothing', async () => {
      const before = await ok<Page<AlertItem>>(call('GET', '/api/alerts', viewer));
      const p = await ok<{ breaches: { domain: string; summary: string }[]; params: Record<string, unknown> }>(
        call('POST', '/api/alerts/rules/preview', admin, { type: 'failure_rate', params: { threshold: 0.3 } }),
      );
      expect(p.params).toMatchObject({ threshold: 0.3, minMessages: 100 });
      expect(p.breaches.map((b) => b.domain).sort()).toEqual(['bad.example', 'worse.example']);
      const one = await ok<{ breaches: { domain: string }[] }>(
        call('POST', '/api/alerts/rules/preview', admin, {
          type: 'failure_rate',
          domain: 'Worse.Example.',
          params: { threshold: 0.3 },
        }),
      );
      expect(one.breaches.map((b) => b.domain)).toEqual(['worse.example']);
      const none = await ok<{ breaches: unknown[] }>(
        call('POST', '/api/alerts/rules/preview', admin, { type: 'failure_rate', params: { minMessages: 100000 } }),
      );
      expect(none.breaches).toEqual([]);
      expect((await ok<Page<AlertItem>>(call('GET', '/api/alerts', viewer))).total).toBe(before.total);
      expectProblem(await call('POST', '/api/alerts/rules/preview', admin, { type: 'nope' }), 400, 'validation_failed');
      const bad = expectProblem(
        await call('POST', '/api/alerts/rules/preview', admin, { type: 'failure_rate', params: { windowHours: -1 } }),
        400,
      );
      expect(bad.errors?.[0]?.field).toBe('params.windowHours');
    });
  });

  let alerts: AlertItem[];

  describe('evaluation and alerts', () => {
    it('runs the evaluation now and answers what it opened; a second run changes nothing', async () => {
      const first = await ok<{ rules: number; opened: number; updated: number; resolved: number }>(
        call('POST', '/api/alerts/evaluate', analyst),
      );
      expect(first).toMatchObject({ rules: 1, opened: 2, resolved: 0 });
      const second = await ok<{ opened: number; updated: number }>(call('POST', '/api/alerts/evaluate', analyst));
      expect(second.opened).toBe(0);
      const runs = await auditActions(DEFAULT_ORG_ID, 'alert.evaluate');
      expect(runs.map((e) => [e.actor, e.details.opened])).toEqual([
        ['analyst@example.com', 2],
        ['analyst@example.com', 0],
      ]);
      const page = await ok<Page<AlertItem>>(call('GET', '/api/alerts', viewer));
      expect(page.total).toBe(2);
      alerts = page.items;
      expect(alerts.map((a) => a.domain).sort()).toEqual(['bad.example', 'worse.example']);
      expect(alerts.every((a) => a.state === 'open' && a.ruleId === rule.id)).toBe(true);
      expect(await ok<{ open: number }>(call('GET', '/api/alerts/count', viewer))).toMatchObject({ open: 2 });
    });

    it('filters by state, severity, domain and rule, and pages with a cursor', async () => {
      const q = async (query: string) => (await ok<Page<AlertItem>>(call('GET', `/api/alerts?${query}`, viewer))).items;
      expect((await q('domain=bad.example')).map((a) => a.domain)).toEqual(['bad.example']);
      expect((await q('domain=BAD.example.')).map((a) => a.domain)).toEqual(['bad.example']);
      expect(await q('state=resolved')).toEqual([]);
      expect((await q('state=open,acknowledged')).length).toBe(2);
      expect((await q('state=unresolved')).length).toBe(2);
      expect((await q(`rule=${rule.id}`)).length).toBe(2);
      expect(await q('rule=999999')).toEqual([]);
      expect(await q('severity=info')).toEqual([]);
      const first = await ok<Page<AlertItem>>(call('GET', '/api/alerts?limit=1', viewer));
      expect(first.items).toHaveLength(1);
      expect(first.total).toBe(2);
      expect(first.nextCursor).not.toBeNull();
      const second = await ok<Page<AlertItem>>(
        call('GET', `/api/alerts?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`, viewer),
      );
      expect(second.items).toHaveLength(1);
      expect(second.items[0]!.id).toBeLessThan(first.items[0]!.id);
      expect(second.nextCursor).toBeNull();
    });

    it('refuses bad list parameters', async () => {
      for (const [query, field] of [
        ['state=closed', 'state'],
        ['state=', 'state'],
        ['severity=loud', 'severity'],
        ['rule=abc', 'rule'],
        ['limit=0', 'limit'],
        ['limit=100000', 'limit'],
        ['domain=not%20a%20domain', 'domain'],
        ['colour=red', 'colour'],
      ] as const) {
        const p = expectProblem(await call('GET', `/api/alerts?${query}`, viewer), 400, 'validation_failed');
        expect(
          p.errors?.map((e) => e.field),
          query,
        ).toContain(field);
      }
      expectProblem(await call('GET', '/api/alerts?cursor=garbage', viewer), 400, 'invalid_cursor');
      const foreign = Buffer.from(JSON.stringify({ o: 3 })).toString('base64url');
      expectProblem(await call('GET', `/api/alerts?cursor=${foreign}`, viewer), 400, 'invalid_cursor');
    });

    it('shows one alert with its history and its deliveries per channel', async () => {
      const a = alerts[0]!;
      const channel = await insertChannel(
        x.t.db,
        DEFAULT_ORG_ID,
        {
          name: 'ops hook',
          type: 'webhook',
          config: { url: 'https://hooks.example/x', secret: 'x'.repeat(20) },
          enabled: true,
        },
        x.clock.now(),
      );
      await insertDelivery(
        x.t.db,
        DEFAULT_ORG_ID,
        {
          alertId: a.id,
          channelId: channel.id,
          channelName: 'ops hook',
          channelType: 'webhook',
          event: 'opened',
          severity: 'critical',
        },
        x.clock.now(),
      );
      const d = await ok<{
        id: number;
        history: { action: string; actor: string }[];
        deliveries: { channel: string; state: string; attempts: number; lastError: string | null }[];
      }>(call('GET', `/api/alerts/${a.id}`, viewer));
      expect(d.id).toBe(a.id);
      expect(d.history[0]).toMatchObject({ action: 'opened', actor: 'system' });
      expect(d.deliveries).toEqual([
        expect.objectContaining({ channel: 'ops hook', state: 'pending', attempts: 0, lastError: null }),
      ]);
      expect(JSON.stringify(d)).not.toContain('hooks.example');
      expectProblem(await call('GET', '/api/alerts/abc', viewer), 400, 'validation_failed');
      expectProblem(await call('GET', '/api/alerts/-1', viewer), 400, 'validation_failed');
      expectProblem(await call('GET', '/api/alerts/999999', viewer), 404, 'alert_not_found');
    });

    it('acknowledges and resolves with notes, in the history and the audit log', async () => {
      const [a, b] = alerts as [AlertItem, AlertItem];
      const acked = await ok<AlertItem>(
        call('POST', `/api/alerts/${a.id}/acknowledge`, analyst, { note: 'looking into it' }),
      );
      expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'analyst@example.com' });
      // again: nothing changes
      expect(await ok<AlertItem>(call('POST', `/api/alerts/${a.id}/acknowledge`, analyst))).toMatchObject({
        state: 'acknowledged',
      });
      const resolved = await ok<AlertItem>(
        call('POST', `/api/alerts/${a.id}/resolve`, analyst, { note: 'SPF record fixed' }),
      );
      expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'analyst@example.com' });
      // without a body at all
      const res = await x.app.inject({ method: 'POST', url: `/api/alerts/${b.id}/resolve`, headers: analyst });
      expect(res.statusCode, res.body).toBe(200);
      const d = await ok<{ history: { action: string; actor: string; note: string | null; toState: string }[] }>(
        call('GET', `/api/alerts/${a.id}`, viewer),
      );
      expect(d.history.map((h) => [h.action, h.actor, h.note, h.toState])).toEqual([
        ['opened', 'system', null, 'open'],
        ['acknowledged', 'analyst@example.com', 'looking into it', 'acknowledged'],
        ['resolved', 'analyst@example.com', 'SPF record fixed', 'resolved'],
      ]);
      const audit = await auditActions(DEFAULT_ORG_ID, 'alert.%');
      expect(audit.filter((e) => e.target === `alert:${a.id}`).map((e) => [e.action, e.actor])).toEqual([
        ['alert.opened', 'system'],
        ['alert.acknowledged', 'analyst@example.com'],
        ['alert.resolved', 'analyst@example.com'],
      ]);
      expect(audit.find((e) => e.action === 'alert.resolved' && e.target === `alert:${a.id}`)?.details).toMatchObject({
        note: 'SPF record fixed',
      });
      expect((await ok<Page<AlertItem>>(call('GET', '/api/alerts?state=resolved', viewer))).total).toBe(2);
      expect(await ok<{ open: number }>(call('GET', '/api/alerts/count', viewer))).toMatchObject({ open: 0 });
    });

    it('refuses acting on a resolved alert (409), a missing one (404) and bad notes (400)', async () => {
      const a = alerts[0]!;
      expectProblem(await call('POST', `/api/alerts/${a.id}/acknowledge`, analyst, {}), 409, 'alert_resolved');
      expectProblem(await call('POST', `/api/alerts/${a.id}/resolve`, analyst, {}), 409, 'alert_resolved');
      expectProblem(await call('POST', '/api/alerts/999999/resolve', analyst, {}), 404, 'alert_not_found');
      expectProblem(await call('POST', '/api/alerts/abc/resolve', analyst, {}), 400, 'validation_failed');
      const long = await call('POST', `/api/alerts/${a.id}/acknowledge`, analyst, { note: 'x'.repeat(2001) });
      expectProblem(long, 400, 'validation_failed');
      const extra = await call('POST', `/api/alerts/${a.id}/acknowledge`, analyst, { notes: 'typo' });
      expectProblem(extra, 400, 'validation_failed');
    });
  });

  describe('suppressions', () => {
    interface Suppression {
      id: number;
      ruleId: number | null;
      domain: string | null;
      all: boolean;
      cron: string | null;
      timezone: string;
      reason: string;
      createdBy: string;
      activeNow: boolean;
      nextWindow: { start: string; end: string } | null;
    }
    let s: Suppression;

    it('creates a window suppression by domain, and a recurring one by rule', async () => {
      s = await ok<Suppression>(
        call('POST', '/api/alerts/suppressions', admin, {
          domain: 'bad.example',
          startsAt: '2026-01-15T11:00:00Z',
          endsAt: '2026-01-15T13:00:00Z',
          reason: 'DNS migration',
        }),
        201,
      );
      expect(s).toMatchObject({ domain: 'bad.example', all: false, activeNow: true, createdBy: 'admin@example.com' });
      const weekly = await ok<Suppression>(
        call('POST', '/api/alerts/suppressions', admin, {
          ruleId: rule.id,
          cron: '0 2 * * 6',
          timezone: 'Europe/Berlin',
          durationMinutes: 120,
          reason: 'weekly maintenance',
        }),
        201,
      );
      expect(weekly).toMatchObject({ ruleId: rule.id, cron: '0 2 * * 6', timezone: 'Europe/Berlin', activeNow: false });
      // Saturday 17 January 2026, 02:00 in Berlin = 01:00 UTC
      expect(weekly.nextWindow).toEqual({ start: '2026-01-17T01:00:00.000Z', end: '2026-01-17T03:00:00.000Z' });
      // explicit nulls are nulls
      const nulls = await ok<Suppression>(
        call('POST', '/api/alerts/suppressions', admin, {
          ruleId: null,
          domain: 'nulls.example',
          subject: null,
          startsAt: null,
          endsAt: null,
          cron: '0 3 * * *',
          durationMinutes: 30,
          reason: 'nulls',
        }),
        201,
      );
      expect(nulls).toMatchObject({ ruleId: null, subject: null, startsAt: null, endsAt: null, cron: '0 3 * * *' });
      expect((await call('DELETE', `/api/alerts/suppressions/${nulls.id}`, admin)).statusCode).toBe(204);
      const all = await ok<Suppression>(
        call('POST', '/api/alerts/suppressions', admin, {
          all: true,
          startsAt: '2026-02-01T00:00:00Z',
          endsAt: '2026-02-02T00:00:00Z',
          reason: 'everything, for a day',
        }),
        201,
      );
      expect(all.all).toBe(true);
      const list = await ok<{ items: Suppression[] }>(call('GET', '/api/alerts/suppressions', admin));
      expect(list.items.map((i) => i.id)).toEqual([s.id, weekly.id, all.id]);
      expect(await ok<Suppression>(call('GET', `/api/alerts/suppressions/${s.id}`, admin))).toEqual(s);
      expect((await auditActions(DEFAULT_ORG_ID, 'alert_suppression.%')).map((e) => e.action)).toEqual([
        'alert_suppression.created',
        'alert_suppression.created',
        'alert_suppression.created',
        'alert_suppression.deleted',
        'alert_suppression.created',
      ]);
    });

    it('changes and deletes a suppression', async () => {
      const changed = await ok<Suppression>(
        call('PATCH', `/api/alerts/suppressions/${s.id}`, admin, { reason: 'DNS migration, part 2' }),
      );
      expect(changed).toMatchObject({ id: s.id, reason: 'DNS migration, part 2', domain: 'bad.example' });
      const res = await call('DELETE', `/api/alerts/suppressions/${s.id}`, admin);
      expect(res.statusCode).toBe(204);
      expectProblem(await call('GET', `/api/alerts/suppressions/${s.id}`, admin), 404, 'alert_suppression_not_found');
      expect((await auditActions(DEFAULT_ORG_ID, 'alert_suppression.%')).slice(-2).map((e) => e.action)).toEqual([
        'alert_suppression.updated',
        'alert_suppression.deleted',
      ]);
    });

    it('refuses bad suppressions with a clear 400', async () => {
      const win = { startsAt: '2026-01-15T11:00:00Z', endsAt: '2026-01-15T13:00:00Z' };
      const cases: [unknown, string, RegExp][] = [
        [{ domain: 'a.example', cron: 'every tuesday', durationMinutes: 60, reason: 'r' }, 'cron', /cron/],
        [{ domain: 'a.example', cron: '61 * * * *', durationMinutes: 60, reason: 'r' }, 'cron', /cron/],
        [{ domain: 'a.example', cron: '0 2 * * *', reason: 'r' }, 'durationMinutes', /required/],
        [{ domain: 'a.example', cron: '0 2 * * *', durationMinutes: 0, reason: 'r' }, 'durationMinutes', /./],
        [
          { domain: 'a.example', cron: '0 2 * * *', durationMinutes: 5, timezone: 'Mars/Base', reason: 'r' },
          'timezone',
          /IANA/,
        ],
        [{ domain: 'a.example', reason: 'r' }, 'startsAt', /required/],
        [{ domain: 'a.example', ...win, startsAt: 'yesterday', reason: 'r' }, 'startsAt', /ISO 8601/],
        [{ domain: 'a.example', startsAt: win.endsAt, endsAt: win.startsAt, reason: 'r' }, 'endsAt', /after/],
        [{ ...win, reason: 'r' }, 'all', /all: true/],
        [{ all: true, domain: 'a.example', ...win, reason: 'r' }, 'all', /cannot be combined/],
        [{ ruleId: 999999, ...win, reason: 'r' }, 'ruleId', /no rule 999999/],
        [{ domain: 'not a domain', ...win, reason: 'r' }, 'domain', /domain name/],
        [{ domain: 'a.example', ...win, reason: '   ' }, 'reason', /required/],
        [{ domain: 'a.example', ...win }, 'reason', /./],
        [{ domain: 'a.example', ...win, reason: 'r', colour: 'red' }, 'colour', /not a known field/],
      ];
      for (const [body, field, message] of cases) {
        const p = expectProblem(await call('POST', '/api/alerts/suppressions', admin, body), 400, 'validation_failed');
        const e = p.errors?.find((er) => er.field === field);
        expect(e, `${JSON.stringify(body)} → ${JSON.stringify(p.errors)}`).toBeDefined();
        expect(e!.message).toMatch(message);
      }
      expectProblem(await call('PATCH', '/api/alerts/suppressions/999999', admin, { reason: 'x' }), 404);
      expectProblem(await call('DELETE', '/api/alerts/suppressions/999999', admin), 404);
      expectProblem(await call('GET', '/api/alerts/suppressions/x', admin), 400, 'validation_failed');
    });
  });

  describe('roles, isolation and the /alerts alias', () => {
    it('viewers read, analysts act, admins manage', async () => {
      expect((await call('GET', '/api/alerts', viewer)).statusCode).toBe(200);
      expectProblem(await call('POST', '/api/alerts/evaluate', viewer), 403, 'forbidden');
      expectProblem(await call('POST', `/api/alerts/${alerts[0]!.id}/acknowledge`, viewer, {}), 403, 'forbidden');
      const body = { name: 'by analyst', type: 'failure_rate', severity: 'info' };
      expectProblem(await call('POST', '/api/alerts/rules', analyst, body), 403, 'forbidden');
      expectProblem(await call('PATCH', `/api/alerts/rules/${rule.id}`, analyst, { enabled: false }), 403);
      expectProblem(await call('DELETE', `/api/alerts/rules/${rule.id}`, analyst), 403);
      expectProblem(await call('POST', '/api/alerts/rules/preview', analyst, { type: 'failure_rate' }), 403);
      expectProblem(await call('GET', '/api/alerts/suppressions', analyst), 403, 'forbidden');
      expect((await call('GET', '/api/alerts/rules', viewer)).statusCode).toBe(200);
      expectProblem(await call('GET', '/api/alerts', {}), 401);
    });

    it("another organisation never sees this one's alerts, rules or suppressions", async () => {
      // its own rule and alert
      const theirs = await ok<Rule>(
        call('POST', '/api/alerts/rules', otherAdmin, { name: 'Failures', type: 'failure_rate', severity: 'info' }),
        201,
      );
      expect(await ok<{ opened: number }>(call('POST', '/api/alerts/evaluate', otherAdmin))).toMatchObject({
        opened: 1,
      });
      const list = await ok<Page<AlertItem>>(call('GET', '/api/alerts', otherAdmin));
      expect(list.items.map((a) => a.domain)).toEqual(['theirs.example']);
      expect(
        (await ok<{ items: Rule[] }>(call('GET', '/api/alerts/rules', otherAdmin))).items.map((r) => r.id),
      ).toEqual([theirs.id]);
      expect((await ok<{ items: unknown[] }>(call('GET', '/api/alerts/suppressions', otherAdmin))).items).toEqual([]);
      // ids of the default organisation are not found there
      expectProblem(await call('GET', `/api/alerts/${alerts[0]!.id}`, otherAdmin), 404, 'alert_not_found');
      expectProblem(await call('POST', `/api/alerts/${alerts[0]!.id}/resolve`, otherAdmin, {}), 404);
      expectProblem(await call('GET', `/api/alerts/rules/${rule.id}`, otherAdmin), 404, 'alert_rule_not_found');
      expectProblem(await call('PATCH', `/api/alerts/rules/${rule.id}`, otherAdmin, { enabled: false }), 404);
      expectProblem(await call('DELETE', `/api/alerts/rules/${rule.id}`, otherAdmin), 404);
      const sup = { ruleId: rule.id, startsAt: '2026-01-15T11:00:00Z', endsAt: '2026-01-15T13:00:00Z', reason: 'r' };
      expectProblem(await call('POST', '/api/alerts/suppressions', otherAdmin, sup), 400, 'validation_failed');
      // nor the organisation by name
      expectProblem(await call('GET', '/api/orgs/default/alerts', otherAdmin), 404, 'organization_not_found');
      // and this one does not see theirs
      const mine = await ok<Page<AlertItem>>(call('GET', '/api/alerts?limit=500', admin));
      expect(mine.items.some((a) => a.domain === 'theirs.example')).toBe(false);
      // the platform administrator names it
      const named = await ok<Page<AlertItem>>(call('GET', '/api/orgs/other/alerts', admin));
      expect(named.items.map((a) => a.domain)).toEqual(['theirs.example']);
    });

    it('answers under the seed’s /alerts prefix the same as /api/alerts', async () => {
      for (const url of [
        '/alerts',
        '/alerts?state=resolved',
        '/alerts/rules',
        '/alerts/count',
        `/alerts/${alerts[0]!.id}`,
      ]) {
        const a = await call('GET', url, viewer);
        const b = await call('GET', url.replace(/^\/alerts/, '/api/alerts'), viewer);
        expect(a.statusCode, url).toBe(200);
        expect(a.json(), url).toEqual(b.json());
      }
      expectProblem(await call('GET', '/alerts/suppressions', viewer), 403, 'forbidden');
      expectProblem(await call('GET', '/alerts/999999', viewer), 404, 'alert_not_found');
      // documented as the same operations
      const doc = (await call('GET', '/openapi.json', {})).json<{
        paths: Record<string, Record<string, { description?: string }>>;
      }>();
      expect(Object.keys(doc.paths)).toContain('/api/alerts/{id}/acknowledge');
      expect(doc.paths['/alerts/{id}/acknowledge']?.post?.description).toBe(
        'Same as the /api/alerts/:id/acknowledge operation.',
      );
    });

    it('queues the notifications it creates (check now, resolve): the notify task attempts each', async () => {
      const org = await createOrg(x.t.db, 'notify');
      await putRollup(x.t.db, org.id, { domain: 'loud.example', day: DAY, messages: 500, pass: false });
      // stored directly: a loopback target (the delivery refuses it: no private targets in these tests)
      const ch = await insertChannel(
        x.t.db,
        org.id,
        {
          name: 'hook',
          type: 'webhook',
          config: { url: 'http://127.0.0.1:9/x', secret: 'y'.repeat(20) },
          enabled: true,
        },
        x.clock.now(),
      );
      await ok(
        call('POST', '/api/orgs/notify/alerts/rules', admin, {
          name: 'loud',
          type: 'failure_rate',
          severity: 'warning',
          channels: [ch.id],
          notifyOnResolve: true,
        }),
        201,
      );
      const run = await ok<{ opened: number; deliveries: number }>(
        call('POST', '/api/orgs/notify/alerts/evaluate', admin),
      );
      expect(run).toMatchObject({ opened: 1, deliveries: 1 });
      const [a] = (await ok<Page<AlertItem>>(call('GET', '/api/orgs/notify/alerts', admin))).items;
      type Detail = { deliveries: { event: string; state: string; attempts: number; lastError: string | null }[] };
      const attempted = async (n: number): Promise<Detail['deliveries']> => {
        for (let i = 0; i < 200; i++) {
          const d = await ok<Detail>(call('GET', `/api/orgs/notify/alerts/${a!.id}`, admin));
          if (d.deliveries.length >= n && d.deliveries.every((x) => x.state !== 'pending')) return d.deliveries;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('the deliveries were never attempted');
      };
      const first = await attempted(1);
      expect(first[0]).toMatchObject({ event: 'opened' });
      expect(first[0]!.attempts).toBeGreaterThanOrEqual(1);
      expect(first[0]!.lastError).toBeTruthy();
      await ok(call('POST', `/api/orgs/notify/alerts/${a!.id}/resolve`, admin, {}));
      const both = await attempted(2);
      expect(both.map((d) => d.event)).toEqual(['opened', 'resolved']);
    });

    it('deleting a rule resolves its alerts and is audited', async () => {
      await ok(call('PATCH', `/api/alerts/rules/${rule.id}`, admin, { params: { threshold: 0.05 } }));
      // past the cooldown of the resolved alerts (tokens signed at the new time)
      x.clock.advance(3 * 3600);
      admin = bearer(await x.token('admin'));
      analyst = bearer(await x.token('analyst'));
      viewer = bearer(await x.token('viewer'));
      await ok(call('POST', '/api/alerts/evaluate', analyst));
      const open = await ok<Page<AlertItem>>(call('GET', '/api/alerts?state=unresolved', viewer));
      expect(open.total).toBeGreaterThan(0);
      const res = await call('DELETE', `/api/alerts/rules/${rule.id}`, admin);
      expect(res.statusCode).toBe(204);
      expect((await ok<Page<AlertItem>>(call('GET', '/api/alerts?state=unresolved', viewer))).total).toBe(0);
      expect((await auditActions(DEFAULT_ORG_ID, 'alert_rule.%')).at(-1)?.action).toBe('alert_rule.deleted');
      expectProblem(await call('GET', `/api/alerts/rules/${rule.id}`, viewer), 404);
    });
  });
});
