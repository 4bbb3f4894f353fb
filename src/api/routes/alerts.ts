// An organisation's alerts (a tenant plugin under /alerts): the list (filters, cursor pages), one alert with its
// history and deliveries, the open count of the navigation's badge, acknowledging and resolving with a note
// (analysts; in the alert's history and the audit log, by the lifecycle), and running the evaluation now.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { actOnAlert, alertDetail } from '../../alerts/actions.js';
import { evaluateOrg } from '../../alerts/evaluate.js';
import { AlertResolvedError, type Actor } from '../../alerts/lifecycle.js';
import { normaliseDomain } from '../../alerts/validation.js';
import { audit } from '../../auth/audit.js';
import { queueDeliveries } from '../../jobs/tasks/notify.js';
import type { Clock } from '../../auth/clock.js';
import { ALERT_STATES, type AlertState } from '../../model/alerts.js';
import type { OneAlertDelivery } from '../../store/alert-deliveries.js';
import { countOpenAlerts, listAlerts, type Alert, type AlertEvent } from '../../store/alerts.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import {
  AlertDetail,
  AlertItem,
  AlertsQuery,
  EvaluationAnswer,
  IdParam,
  NoteBody,
  OpenCounts,
} from '../schemas/alerts.js';
import { Page, problemResponses, Problem } from '../schemas/common.js';

export interface AlertRouteOptions {
  deps: AppDeps;
  clock: Clock;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const alertJson = (a: Alert) => ({
  id: a.id,
  ruleId: a.ruleId,
  ruleName: a.ruleName,
  ruleType: a.ruleType,
  fingerprint: a.fingerprint,
  domain: a.domain,
  subject: a.subject,
  severity: a.severity,
  state: a.state,
  summary: a.summary,
  figures: a.figures,
  firstSeenAt: a.firstSeenAt.toISOString(),
  lastSeenAt: a.lastSeenAt.toISOString(),
  occurrences: a.occurrences,
  clearSince: iso(a.clearSince),
  suppressed: a.suppressed,
  suppressedBy: a.suppressedBy,
  notifiedSeverity: a.notifiedSeverity,
  acknowledgedAt: iso(a.acknowledgedAt),
  acknowledgedBy: a.acknowledgedBy,
  resolvedAt: iso(a.resolvedAt),
  resolvedBy: a.resolvedBy,
  updatedAt: a.updatedAt.toISOString(),
});

const eventJson = (e: AlertEvent) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: e.actor,
  action: e.action,
  fromState: e.fromState,
  toState: e.toState,
  note: e.note,
  details: e.details,
});

const deliveryJson = (d: OneAlertDelivery) => ({
  id: d.id,
  channel: d.channelName,
  channelId: d.channelId,
  channelType: d.channelType,
  event: d.event,
  severity: d.severity,
  state: d.state,
  attempts: d.attempts,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
  deliveredAt: iso(d.deliveredAt),
});

/** The states a `state` filter names: a comma-separated list, or 'unresolved'. */
export function statesOf(text: string | undefined): AlertState[] | undefined {
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) => (s === 'unresolved' ? ['open', 'acknowledged'] : [s]));
  const bad = list.filter((s) => !ALERT_STATES.includes(s as AlertState));
  if (bad.length > 0 || list.length === 0) {
    throw new HttpProblem(400, 'validation_failed', `state: unknown value ${bad.join(', ') || '(empty)'}`, [
      { field: 'state', message: `must be a comma-separated list of ${ALERT_STATES.join(', ')}, or unresolved` },
    ]);
  }
  return [...new Set(list)] as AlertState[];
}

export const actorOf = (req: FastifyRequest): Actor => {
  const user = principalOf(req).user;
  return { id: user.id, email: user.email, ip: req.ip };
};

export const alertRoutes: FastifyPluginAsyncTypebox<AlertRouteOptions> = async (app, { deps, clock }) => {
  const base = { tags: ['alerts'] };
  const db = deps.db;

  app.get(
    '',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Alerts, newest first (filters: state, severity, domain, rule)',
        description: 'Also under /alerts. `state=unresolved` lists open and acknowledged alerts.',
        querystring: AlertsQuery,
        response: { 200: Page(AlertItem), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const states = statesOf(q.state);
      const domain = q.domain !== undefined ? (normaliseDomain('domain', q.domain) ?? undefined) : undefined;
      const before = decodeCursor(q.cursor, (v): v is { b: number } =>
        Number.isSafeInteger((v as { b?: number } | null)?.b),
      )?.b;
      const page = await listAlerts(
        db,
        { orgId: orgOf(req).id, states, severity: q.severity, domain, ruleId: q.rule, suppressed: q.suppressed },
        { limit: q.limit ?? 50, beforeId: before },
      );
      return {
        items: page.items.map(alertJson),
        total: page.total,
        nextCursor: page.nextBeforeId !== null ? encodeCursor({ b: page.nextBeforeId }) : null,
      };
    },
  );

  app.get(
    '/count',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'How many alerts are open (the navigation badge), by severity',
        response: { 200: OpenCounts, ...problemResponses },
      },
    },
    async (req) => {
      const bySeverity = await countOpenAlerts(db, orgOf(req).id);
      return { open: bySeverity.info + bySeverity.warning + bySeverity.critical, bySeverity };
    },
  );

  app.post(
    '/evaluate',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        summary: "Evaluate the organisation's enabled rules now",
        description:
          'Runs the same evaluation as the hourly check, synchronously, and answers what it opened, updated and ' +
          'resolved. Evaluating twice on the same data changes nothing.',
        response: { 200: EvaluationAnswer, ...problemResponses },
      },
    },
    async (req) => {
      const now = clock.now();
      const orgId = orgOf(req).id;
      const s = await evaluateOrg({ db, now, notifyMaxPerRule: deps.config.alerts.notifyMaxPerRule }, orgId);
      await queueDeliveries(deps.queue, orgId, s.deliveries);
      const actor = actorOf(req);
      // who ran it, and what it did (each alert it changed is in the log on its own, by 'system')
      await audit(
        db,
        {
          orgId,
          actorId: actor.id,
          actor: actor.email,
          action: 'alert.evaluate',
          target: null,
          ip: actor.ip ?? null,
          outcome: 'success',
          details: {
            rules: s.rules,
            opened: s.opened,
            updated: s.updated,
            escalated: s.escalated,
            resolved: s.resolved,
            failedRules: s.failedRules.length,
          },
        },
        now,
      );
      return {
        rules: s.rules,
        breaches: s.breaches,
        opened: s.opened,
        updated: s.updated,
        escalated: s.escalated,
        resolved: s.resolved,
        suppressed: s.suppressed,
        coolingDown: s.coolingDown,
        deliveries: s.deliveries.length,
        failedRules: s.failedRules,
      };
    },
  );

  app.get(
    '/:id',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'One alert, with its history and its deliveries per channel',
        params: IdParam,
        response: { 200: AlertDetail, ...problemResponses },
      },
    },
    async (req) => {
      const d = await alertDetail(db, orgOf(req).id, req.params.id);
      if (!d) throw new HttpProblem(404, 'alert_not_found', `no alert ${req.params.id} in this organisation`);
      return { ...alertJson(d.alert), history: d.history.map(eventJson), deliveries: d.deliveries.map(deliveryJson) };
    },
  );

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(
      `/:id/${action}`,
      {
        config: { role: 'analyst' },
        preValidation: async (req) => {
          if (req.body === undefined || req.body === null) req.body = {};
        },
        schema: {
          ...base,
          summary: action === 'acknowledge' ? 'Acknowledge an alert (with an optional note)' : 'Resolve an alert',
          description:
            action === 'acknowledge'
              ? 'open → acknowledged; acknowledging an acknowledged alert changes nothing. Kept in the history and ' +
                'the audit log.'
              : 'open or acknowledged → resolved (notifies when its rule asks). Kept in the history and the audit log.',
          params: IdParam,
          body: NoteBody,
          response: { 200: AlertItem, 409: Problem, ...problemResponses },
        },
      },
      async (req) => {
        const { id } = req.params;
        const note = req.body.note?.trim() || null;
        try {
          const r = await actOnAlert(db, orgOf(req).id, id, action, actorOf(req), note, clock.now());
          if (!r) throw new HttpProblem(404, 'alert_not_found', `no alert ${id} in this organisation`);
          await queueDeliveries(deps.queue, orgOf(req).id, r.deliveries);
          return alertJson(r.alert);
        } catch (err) {
          if (err instanceof AlertResolvedError) {
            throw new HttpProblem(409, 'alert_resolved', `alert ${id} is resolved: it cannot be ${action}d`);
          }
          throw err;
        }
      },
    );
  }
};
