// What a notification says, whatever the channel: the alert, the event (opened, escalated, resolved, or a test
// message from the channel's test button), a title and the facts in a fixed order. Each channel type lays these
// out in its service's own format (Block Kit, an embed, an Adaptive Card, an e-mail, JSON). A summary is about a
// rule instead of one alert: how many more of its alerts a check opened (escalated, resolved) than it notified one
// by one, with a link to the Alerts page filtered by the rule.
import { count } from '../days.js';
import { NOTIFICATION_EVENTS, type NotificationEvent, type Severity } from '../model.js';

export interface NotificationAlert {
  id: number;
  ruleName: string;
  ruleType: string;
  severity: Severity;
  state: string;
  domain: string | null;
  subject: string | null;
  summary: string;
  figures: Record<string, unknown>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
}

/** A notification about one alert. */
export interface AlertNotification {
  event: NotificationEvent | 'test';
  /** The severity the notification is sent with. */
  severity: Severity;
  alert: NotificationAlert;
  /** The organisation's name, for people who receive several. */
  organisation: string;
  /** When it was sent. */
  at: Date;
}

/** What a summary is about: a rule, and its alerts of one check beyond those notified one by one. */
export interface NotificationSummary {
  /** null once the rule is deleted. */
  ruleId: number | null;
  ruleName: string;
  ruleType: string;
  /** The rule's domain; null: every domain. */
  domain: string | null;
  counts: Record<NotificationEvent, number>;
  /** The rule's alerts of the same check notified one by one. */
  notified: number;
}

/** The summary of a rule's alerts beyond the cap of one check. */
export interface SummaryNotification {
  event: 'summary';
  /** The highest severity among the alerts it sums up. */
  severity: Severity;
  summary: NotificationSummary;
  /** The Alerts page filtered by the rule: an absolute URL with DMARC_PUBLIC_URL, else a path. */
  link: string;
  organisation: string;
  at: Date;
}

export type Notification = AlertNotification | SummaryNotification;

/** The alerts a summary sums up. */
export function summarized(s: NotificationSummary): number {
  return s.counts.opened + s.counts.escalated + s.counts.resolved;
}

/** The summary's link when it can be followed from a message (an absolute http(s) URL); null for a path. */
export function absoluteLink(n: Notification): string | null {
  return n.event === 'summary' && /^https?:\/\//i.test(n.link) ? n.link : null;
}

/**
 * The Alerts page of the organisation (its /o/<slug>/ form works for every user) filtered by the rule: its
 * unresolved alerts, or all of them when the summary is about resolved ones only. `base`: DMARC_PUBLIC_URL.
 */
export function alertsPageLink(base: string | null, orgSlug: string, s: NotificationSummary): string {
  const q = new URLSearchParams();
  if (s.ruleId !== null) q.set('rule', String(s.ruleId));
  q.set('state', s.counts.opened + s.counts.escalated === 0 ? 'resolved' : 'unresolved');
  return `${base ?? ''}/o/${encodeURIComponent(orgSlug)}/alerting?${q.toString()}`;
}

const EVENT_WORDS: Record<AlertNotification['event'], string> = {
  opened: 'Alert',
  escalated: 'Escalated',
  resolved: 'Resolved',
  test: 'Test',
};

const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** "[CRITICAL] Alert: DMARC failures — example.com"; a summary: "[WARNING] 1,234 more alerts: new sender — Org" */
export function titleOf(n: Notification): string {
  if (n.event === 'summary') {
    const where = n.summary.domain ?? n.organisation;
    return `[${n.severity.toUpperCase()}] ${plural(summarized(n.summary), 'more alert')}: ${n.summary.ruleName} — ${where}`;
  }
  const where = n.alert.domain ?? n.organisation;
  return `[${n.severity.toUpperCase()}] ${EVENT_WORDS[n.event]}: ${n.alert.ruleName} — ${where}`;
}

/** "1,234 more alerts of rule “new sender” opened", or "…: 1,230 opened, 4 escalated" for several events. */
function summaryLead(s: NotificationSummary): string {
  const events = NOTIFICATION_EVENTS.filter((e) => s.counts[e] > 0);
  const what =
    events.length === 1 ? ` ${events[0]!}` : `: ${events.map((e) => `${count(s.counts[e])} ${e}`).join(', ')}`;
  return (
    `${plural(summarized(s), 'more alert')} of rule “${s.ruleName}”${what} in this check, beyond the ` +
    `${count(s.notified)} notified one by one. They are on the Alerts page, not notified each.`
  );
}

/** One line on what happened, for the first line of a message. */
export function leadOf(n: Notification): string {
  if (n.event === 'summary') return summaryLead(n.summary);
  if (n.event === 'test') return 'A test message from the DMARC report platform: this channel works.';
  if (n.event === 'resolved') return `Resolved: ${n.alert.summary}`;
  if (n.event === 'escalated') return `Severity raised to ${n.severity}: ${n.alert.summary}`;
  return n.alert.summary;
}

/** The facts, label and value, in the order every channel shows them. */
export function factsOf(n: Notification): { label: string; value: string }[] {
  if (n.event === 'summary') {
    const s = n.summary;
    return [
      { label: 'Severity', value: n.severity },
      { label: 'Rule', value: `${s.ruleName} (${s.ruleType})` },
      { label: 'Domain', value: s.domain ?? '(every domain)' },
      { label: 'Organisation', value: n.organisation },
      ...NOTIFICATION_EVENTS.filter((e) => s.counts[e] > 0).map((e) => ({
        label: `Alerts ${e}`,
        value: count(s.counts[e]),
      })),
      { label: 'Notified one by one', value: count(s.notified) },
      { label: 'Alerts page', value: n.link },
    ];
  }
  const a = n.alert;
  const out = [
    { label: 'Severity', value: n.severity },
    { label: 'Rule', value: `${a.ruleName} (${a.ruleType})` },
    { label: 'Domain', value: a.domain ?? '(the organisation)' },
  ];
  if (a.subject !== null) out.push({ label: 'Subject', value: a.subject });
  out.push(
    { label: 'Organisation', value: n.organisation },
    { label: 'First seen', value: a.firstSeenAt.toISOString() },
    { label: 'Last seen', value: a.lastSeenAt.toISOString() },
    { label: 'Alert', value: `#${a.id} (${a.state})` },
  );
  return out;
}

/** The JSON of a notification (the webhook's body and what tests compare). */
export function notificationJson(n: Notification) {
  // what every notification says of itself, alert or summary
  const envelope = {
    event: n.event,
    severity: n.severity,
    sentAt: n.at.toISOString(),
    organisation: n.organisation,
    title: titleOf(n),
  };
  if (n.event === 'summary') {
    const s = n.summary;
    return {
      ...envelope,
      summary: {
        ruleId: s.ruleId,
        rule: s.ruleName,
        ruleType: s.ruleType,
        domain: s.domain,
        counts: s.counts,
        alerts: summarized(s),
        notified: s.notified,
        text: leadOf(n),
        link: n.link,
      },
    };
  }
  const a = n.alert;
  return {
    ...envelope,
    alert: {
      id: a.id,
      rule: a.ruleName,
      ruleType: a.ruleType,
      severity: a.severity,
      state: a.state,
      domain: a.domain,
      subject: a.subject,
      summary: a.summary,
      figures: a.figures,
      firstSeenAt: a.firstSeenAt.toISOString(),
      lastSeenAt: a.lastSeenAt.toISOString(),
      occurrences: a.occurrences,
    },
  };
}

/** The notification of the test button: an example alert, marked as a test. */
export function testNotification(organisation: string, at: Date): AlertNotification {
  return {
    event: 'test',
    severity: 'info',
    organisation,
    at,
    alert: {
      id: 0,
      ruleName: 'Test message',
      ruleType: 'test',
      severity: 'info',
      state: 'open',
      domain: null,
      subject: null,
      summary: 'A test message from the DMARC report platform: this channel works.',
      figures: {},
      firstSeenAt: at,
      lastSeenAt: at,
      occurrences: 1,
    },
  };
}
