// The life of an alert: what a breach (or its absence) does to the alert of its fingerprint, and what people do
// to it. Calm by design:
//
// - at most one unresolved alert per fingerprint; a breach seen again updates it (lastSeenAt, the latest figures
//   and summary; `occurrences` counts the check periods — hours — it was seen in) and notifies nobody;
// - a notification goes out when an alert opens, when its severity rises (escalation) and, if its rule asks,
//   when it resolves — never for a breach inside a suppression (recorded, flagged, not notified; an alert opened
//   during a maintenance window notifies when its breach goes on after the window);
// - no flood: a check notifies at most `notifyMaxPerRule` of one rule's alerts one by one; the rest are opened
//   (escalated, resolved) all the same and visible, and each of the rule's channels gets one summary for them
//   ("N more alerts of rule X opened") instead of one notification each;
// - an alert resolves itself once its condition has been clear for the rule's resolveAfterMinutes, and its
//   fingerprint cannot open again before the rule's cooldownMinutes have passed;
// - open → acknowledged → resolved by people (analysts), each change with who, when and a note, in the alert's
//   history and in the audit log.
//
// Everything here runs inside the caller's transaction, which holds the organisation's alert lock (lockAlerts),
// so that two evaluations (or an evaluation and a person) never decide about the same alert at once.
import { audit, auditMany } from '../auth/audit.js';
import type { AlertChannel } from '../store/alert-channels.js';
import type { AlertRule } from '../store/alert-rules.js';
import type { AlertSuppression } from '../store/alert-suppressions.js';
import {
  getAlert,
  insertAlertEvent,
  insertAlertEvents,
  insertAlerts,
  listUnresolvedAlerts,
  recentlyResolved,
  updateAlert,
  type Alert,
  type AlertChanges,
} from '../store/alerts.js';
import {
  insertDeliveries,
  insertDelivery,
  insertSummaryDelivery,
  type NewDelivery,
} from '../store/alert-deliveries.js';
import type { Queryable } from '../store/database.js';
import { fingerprint } from './fingerprint.js';
import { maxSeverity, severityRank, type Breach, type NotificationEvent, type Severity } from './model.js';
import { activeSuppression } from './suppressions.js';

/** Who changes an alert: a person, or the evaluation ('system'). */
export interface Actor {
  id: number | null;
  email: string;
  ip?: string | null;
}

export const SYSTEM: Actor = { id: null, email: 'system' };

/** Takes the organisation's alert lock until the end of the transaction. */
export async function lockAlerts(tx: Queryable, orgId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('dmarc-alerts'), $1::int)`, [orgId]);
}

export interface RuleResult {
  rule: AlertRule;
  /** What the rule found now. Only rules that were evaluated successfully: a failed one decides nothing. */
  breaches: Breach[];
}

export interface LifecycleSummary {
  breaches: number;
  opened: number;
  updated: number;
  escalated: number;
  resolved: number;
  /** Breaches inside a suppression (recorded, not notified). */
  suppressed: number;
  /** Breaches of a fingerprint resolved less than its rule's cooldown ago (not opened). */
  coolingDown: number;
  /** Notifications of alerts beyond their rule's cap, sent in the rule's summary instead of one by one. */
  summarized: number;
  /** The deliveries created (to be sent by the notify task). */
  deliveries: number[];
}

/** Alerts of one rule notified one by one in one check (DMARC_ALERTS_NOTIFY_MAX_PER_RULE). */
export const DEFAULT_NOTIFY_MAX_PER_RULE = 20;

/** A rule's notifications of this check beyond the cap: what its summary will say. */
interface Overflow {
  rule: AlertRule;
  counts: Record<NotificationEvent, number>;
  severity: Severity;
}

interface Context {
  tx: Queryable;
  orgId: number;
  now: Date;
  channels: ReadonlyMap<number, AlertChannel>;
  suppressions: readonly AlertSuppression[];
  /** Alerts of one rule notified one by one; the rest go into the rule's summary. */
  notifyMax: number;
  /** Per rule: alerts notified one by one so far in this check. */
  notified: Map<number, number>;
  /** Per rule: what its summary will say. */
  overflow: Map<number, Overflow>;
}

const HOUR_MS = 3_600_000;
const hourOf = (t: Date): number => Math.floor(t.getTime() / HOUR_MS);

async function record(
  c: Pick<Context, 'tx' | 'orgId' | 'now'>,
  alert: Alert,
  actor: Actor,
  action: string,
  change: { from?: Alert['state'] | null; to?: Alert['state'] | null; note?: string | null; details?: object } = {},
): Promise<void> {
  const details = { ...(change.details ?? {}) } as Record<string, unknown>;
  await insertAlertEvent(c.tx, c.orgId, {
    alertId: alert.id,
    at: c.now,
    actorId: actor.id,
    actor: actor.email,
    action,
    fromState: change.from ?? null,
    toState: change.to ?? null,
    note: change.note ?? null,
    details,
  });
  await audit(
    c.tx,
    {
      orgId: c.orgId,
      actorId: actor.id,
      actor: actor.email,
      action: `alert.${action}`,
      target: `alert:${alert.id}`,
      ip: actor.ip ?? null,
      outcome: 'success',
      details: { rule: alert.ruleName, ...(change.note ? { note: change.note } : {}), ...details },
    },
    c.now,
  );
}

/** The rule's enabled channels. */
function channelsOf(c: Context, rule: Pick<AlertRule, 'channelIds'>): AlertChannel[] {
  return rule.channelIds.map((id) => c.channels.get(id)).filter((ch): ch is AlertChannel => !!ch && ch.enabled);
}

/**
 * How a notification of the rule goes out: 'each' (its own deliveries) while the rule is under the cap of this
 * check, else 'summary' (counted in the rule's summary); null when the rule has no enabled channel.
 */
type Route = 'each' | 'summary' | null;

function route(c: Context, rule: AlertRule): Route {
  if (channelsOf(c, rule).length === 0) return null;
  const sent = c.notified.get(rule.id) ?? 0;
  if (sent >= c.notifyMax) return 'summary';
  c.notified.set(rule.id, sent + 1);
  return 'each';
}

/** A notification beyond the rule's cap: counted in the rule's summary. */
function countInSummary(c: Context, rule: AlertRule, event: NotificationEvent, severity: Severity): void {
  const o = c.overflow.get(rule.id) ?? { rule, counts: { opened: 0, escalated: 0, resolved: 0 }, severity };
  o.counts[event]++;
  o.severity = maxSeverity(o.severity, severity);
  c.overflow.set(rule.id, o);
}

/** Sends the notification the way `route` decided: one delivery per enabled channel, or a count in the summary. */
async function notify(
  c: Context,
  rule: AlertRule,
  how: Route,
  alert: Alert,
  event: NotificationEvent,
  severity: Severity,
  out: number[],
): Promise<void> {
  if (how === 'summary') return countInSummary(c, rule, event, severity);
  if (how !== 'each') return;
  for (const ch of channelsOf(c, rule)) {
    out.push(
      await insertDelivery(
        c.tx,
        c.orgId,
        { alertId: alert.id, channelId: ch.id, channelName: ch.name, channelType: ch.type, event, severity },
        c.now,
      ),
    );
  }
}

/** One summary delivery per enabled channel of each rule that went over the cap in this check. */
async function sendSummaries(c: Context, s: LifecycleSummary): Promise<void> {
  for (const o of c.overflow.values()) {
    const summary = {
      ruleName: o.rule.name,
      ruleType: o.rule.type,
      domain: o.rule.domain,
      counts: o.counts,
      notified: c.notified.get(o.rule.id) ?? 0,
    };
    s.summarized += o.counts.opened + o.counts.escalated + o.counts.resolved;
    for (const ch of channelsOf(c, o.rule)) {
      s.deliveries.push(
        await insertSummaryDelivery(
          c.tx,
          c.orgId,
          {
            ruleId: o.rule.id,
            channelId: ch.id,
            channelName: ch.name,
            channelType: ch.type,
            severity: o.severity,
            summary,
          },
          c.now,
        ),
      );
    }
  }
}

/** For an alert's history: its notification went out in its rule's summary. */
const inSummary = (how: Route) => (how === 'summary' ? { notifiedInSummary: true } : {});

/** What the notified severity becomes, and the notification to send, for an active breach that is not suppressed. */
function notificationFor(notified: Severity | null, severity: Severity): NotificationEvent | null {
  if (notified === null) return 'opened';
  return severityRank(severity) > severityRank(notified) ? 'escalated' : null;
}

/** JSON with the keys of objects sorted: jsonb hands objects back with its own key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

/** Changes that differ from the alert (nothing to write when the evaluation saw the same as before). */
function diff(alert: Alert, c: AlertChanges): AlertChanges {
  const out: AlertChanges = {};
  for (const [k, v] of Object.entries(c) as [keyof AlertChanges, unknown][]) {
    const before = alert[k] as unknown;
    const same =
      v instanceof Date && before instanceof Date
        ? v.getTime() === before.getTime()
        : canonical(v) === canonical(before);
    if (!same) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** An alert to open: its breach, and how it is notified (null: suppressed, or no channel). */
interface Open {
  rule: AlertRule;
  fingerprint: string;
  breach: Breach;
  severity: Severity;
  sup: AlertSuppression | undefined;
  how: Route;
}

/** Alerts opened at once per statement: a few thousand breaches are a handful of round trips, not thousands. */
const OPEN_BATCH = 1000;

/** Opens the alerts, with their history, audit entries and deliveries, a batch per statement. */
async function openAlerts(c: Context, opens: readonly Open[], s: LifecycleSummary): Promise<void> {
  for (let i = 0; i < opens.length; i += OPEN_BATCH) {
    const batch = opens.slice(i, i + OPEN_BATCH);
    const alerts = await insertAlerts(
      c.tx,
      c.orgId,
      batch.map((o) => ({
        ruleId: o.rule.id,
        ruleName: o.rule.name,
        ruleType: o.rule.type,
        fingerprint: o.fingerprint,
        domain: o.breach.domain,
        subject: o.breach.subject,
        severity: o.severity,
        summary: o.breach.summary,
        figures: o.breach.figures,
        suppressed: o.sup !== undefined,
        suppressedBy: o.sup?.id ?? null,
        // a suppressed breach notifies nobody (yet: see notificationFor); the others are notified now
        notifiedSeverity: o.sup ? null : o.severity,
      })),
      c.now,
    );
    const details = batch.map((o) => ({
      severity: o.severity,
      summary: o.breach.summary,
      ...(o.sup ? { suppressedBy: o.sup.id, suppressionReason: o.sup.reason } : {}),
      ...inSummary(o.how),
    }));
    await insertAlertEvents(
      c.tx,
      c.orgId,
      alerts.map((a, k) => ({
        alertId: a.id,
        at: c.now,
        actorId: SYSTEM.id,
        actor: SYSTEM.email,
        action: 'opened',
        fromState: null,
        toState: 'open',
        note: null,
        details: details[k]!,
      })),
    );
    await auditMany(
      c.tx,
      alerts.map((a, k) => ({
        orgId: c.orgId,
        actorId: SYSTEM.id,
        actor: SYSTEM.email,
        action: 'alert.opened',
        target: `alert:${a.id}`,
        ip: null,
        outcome: 'success' as const,
        details: { rule: a.ruleName, ...details[k] },
      })),
      c.now,
    );
    const deliveries: NewDelivery[] = [];
    batch.forEach((o, k) => {
      if (o.how === 'summary') return countInSummary(c, o.rule, 'opened', o.severity);
      if (o.how !== 'each') return;
      for (const ch of channelsOf(c, o.rule)) {
        deliveries.push({
          alertId: alerts[k]!.id,
          channelId: ch.id,
          channelName: ch.name,
          channelType: ch.type,
          event: 'opened',
          severity: o.severity,
        });
      }
    });
    s.deliveries.push(...(await insertDeliveries(c.tx, c.orgId, deliveries, c.now)));
  }
}

/**
 * Applies what the rules found now to the organisation's alerts: opens, updates, escalates and resolves them, and
 * creates the deliveries of the notifications due. Applying the same results twice changes nothing.
 */
export async function applyRuleResults(
  tx: Queryable,
  orgId: number,
  now: Date,
  results: readonly RuleResult[],
  channels: readonly AlertChannel[],
  suppressions: readonly AlertSuppression[],
  notifyMaxPerRule: number = DEFAULT_NOTIFY_MAX_PER_RULE,
): Promise<LifecycleSummary> {
  const c: Context = {
    tx,
    orgId,
    now,
    channels: new Map(channels.map((ch) => [ch.id, ch])),
    suppressions,
    notifyMax: notifyMaxPerRule,
    notified: new Map(),
    overflow: new Map(),
  };
  const s: LifecycleSummary = {
    breaches: 0,
    opened: 0,
    updated: 0,
    escalated: 0,
    resolved: 0,
    suppressed: 0,
    coolingDown: 0,
    summarized: 0,
    deliveries: [],
  };
  const unresolved = new Map((await listUnresolvedAlerts(tx, orgId)).map((a) => [a.fingerprint, a]));
  const longestCooldown = Math.max(0, ...results.map((r) => r.rule.cooldownMinutes));
  const resolvedAt = await recentlyResolved(tx, orgId, new Date(now.getTime() - longestCooldown * 60_000));
  const seen = new Set<string>();
  // new alerts are written together after the breaches are read (a check may open thousands)
  const opens: Open[] = [];

  for (const { rule, breaches } of results) {
    for (const b of breaches) {
      const fp = fingerprint(orgId, rule.id, b.domain, b.subject);
      if (seen.has(fp)) continue; // a rule naming the same situation twice
      seen.add(fp);
      s.breaches++;
      const severity = maxSeverity(rule.severity, b.severity ?? rule.severity);
      const sup = activeSuppression(suppressions, now, rule.id, b.domain, b.subject);
      if (sup) s.suppressed++;
      const existing = unresolved.get(fp);
      if (existing) {
        const escalates = severityRank(severity) > severityRank(existing.severity);
        const due = sup ? null : notificationFor(existing.notifiedSeverity, maxSeverity(existing.severity, severity));
        const changes = diff(existing, {
          summary: b.summary,
          figures: b.figures,
          lastSeenAt: now,
          occurrences: existing.occurrences + (hourOf(now) > hourOf(existing.lastSeenAt) ? 1 : 0),
          clearSince: null,
          suppressed: sup !== undefined,
          suppressedBy: sup?.id ?? null,
          ...(escalates ? { severity } : {}),
          ...(due ? { notifiedSeverity: maxSeverity(existing.severity, severity) } : {}),
        });
        if (Object.keys(changes).length === 0) continue;
        const alert = await updateAlert(tx, orgId, existing.id, { ...changes, updatedAt: now });
        s.updated++;
        const how = due ? route(c, rule) : null;
        if (escalates) {
          s.escalated++;
          await record(c, alert, SYSTEM, 'escalated', {
            details: {
              from: existing.severity,
              to: severity,
              ...(sup ? { suppressedBy: sup.id } : {}),
              ...inSummary(how),
            },
          });
        }
        if (due) await notify(c, rule, how, alert, due, alert.severity, s.deliveries);
        continue;
      }
      const resolved = resolvedAt.get(fp);
      if (resolved && now.getTime() < resolved.getTime() + rule.cooldownMinutes * 60_000) {
        s.coolingDown++;
        continue;
      }
      s.opened++;
      opens.push({ rule, fingerprint: fp, breach: b, severity, sup, how: sup ? null : route(c, rule) });
    }
  }
  await openAlerts(c, opens, s);

  // The alerts of the rules just evaluated whose condition is clear now.
  const rules = new Map(results.map((r) => [r.rule.id, r.rule]));
  for (const alert of unresolved.values()) {
    const rule = alert.ruleId !== null ? rules.get(alert.ruleId) : undefined;
    if (!rule || seen.has(alert.fingerprint)) continue;
    const clearSince = alert.clearSince ?? now;
    if (now.getTime() - clearSince.getTime() < rule.resolveAfterMinutes * 60_000) {
      if (alert.clearSince === null) {
        await updateAlert(tx, orgId, alert.id, { clearSince, updatedAt: now });
        s.updated++;
      }
      continue;
    }
    await resolve(c, rule, alert, SYSTEM, null, { automatic: true, clearSince: clearSince.toISOString() }, s);
  }
  await sendSummaries(c, s);
  return s;
}

async function resolve(
  c: Context,
  rule: AlertRule | undefined,
  alert: Alert,
  actor: Actor,
  note: string | null,
  details: object,
  s: Pick<LifecycleSummary, 'resolved' | 'deliveries'>,
): Promise<Alert> {
  const resolved = await updateAlert(c.tx, c.orgId, alert.id, {
    state: 'resolved',
    resolvedAt: c.now,
    resolvedBy: actor.email,
    updatedAt: c.now,
  });
  s.resolved++;
  const quiet =
    alert.ruleId === null ||
    activeSuppression(c.suppressions, c.now, alert.ruleId, alert.domain, alert.subject) !== undefined;
  const how = rule?.notifyOnResolve && alert.notifiedSeverity !== null && !quiet ? route(c, rule) : null;
  await record(c, resolved, actor, 'resolved', {
    from: alert.state,
    to: 'resolved',
    note,
    details: { ...details, ...inSummary(how) },
  });
  if (rule && how) await notify(c, rule, how, resolved, 'resolved', resolved.severity, s.deliveries);
  return resolved;
}

/** The alert is resolved already: it can be neither acknowledged nor resolved again. */
export class AlertResolvedError extends Error {
  constructor(readonly alertId: number) {
    super(`alert ${alertId} is resolved`);
    this.name = 'AlertResolvedError';
  }
}

export interface PersonChange {
  alert: Alert;
  /** False when nothing changed (acknowledging an acknowledged alert). */
  changed: boolean;
  deliveries: number[];
}

/**
 * A person acknowledges or resolves an alert (undefined: no such alert in the organisation). `rule`,
 * `channels` and `suppressions` are the organisation's current ones (a resolve may notify).
 */
export async function changeByPerson(
  tx: Queryable,
  orgId: number,
  now: Date,
  id: number,
  action: 'acknowledge' | 'resolve',
  actor: Actor,
  note: string | null,
  env: {
    rule: (id: number) => Promise<AlertRule | undefined>;
    channels: readonly AlertChannel[];
    suppressions: readonly AlertSuppression[];
  },
): Promise<PersonChange | undefined> {
  const alert = await getAlert(tx, orgId, id);
  if (!alert) return undefined;
  if (alert.state === 'resolved') throw new AlertResolvedError(id);
  // a person's change notifies on its own: the cap is about what one check finds at once
  const c: Context = {
    tx,
    orgId,
    now,
    channels: new Map(env.channels.map((ch) => [ch.id, ch])),
    suppressions: env.suppressions,
    notifyMax: Infinity,
    notified: new Map(),
    overflow: new Map(),
  };
  if (action === 'acknowledge') {
    if (alert.state === 'acknowledged') return { alert, changed: false, deliveries: [] };
    const acknowledged = await updateAlert(tx, orgId, id, {
      state: 'acknowledged',
      acknowledgedAt: now,
      acknowledgedBy: actor.email,
      updatedAt: now,
    });
    await record(c, acknowledged, actor, 'acknowledged', { from: alert.state, to: 'acknowledged', note });
    return { alert: acknowledged, changed: true, deliveries: [] };
  }
  const rule = alert.ruleId !== null ? await env.rule(alert.ruleId) : undefined;
  const s = { resolved: 0, deliveries: [] as number[] };
  const resolved = await resolve(c, rule, alert, actor, note, {}, s);
  return { alert: resolved, changed: true, deliveries: s.deliveries };
}
