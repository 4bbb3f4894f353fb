// What a notification says, whatever the channel: the alert, the event (opened, escalated, resolved, or a test
// message from the channel's test button), a title and the facts in a fixed order. Each channel type lays these
// out in its service's own format (Block Kit, an embed, an Adaptive Card, an e-mail, JSON).
import type { NotificationEvent, Severity } from '../model.js';

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

export interface Notification {
  event: NotificationEvent | 'test';
  /** The severity the notification is sent with. */
  severity: Severity;
  alert: NotificationAlert;
  /** The organisation's name, for people who receive several. */
  organisation: string;
  /** When it was sent. */
  at: Date;
}

const EVENT_WORDS: Record<Notification['event'], string> = {
  opened: 'Alert',
  escalated: 'Escalated',
  resolved: 'Resolved',
  test: 'Test',
};

/** "[CRITICAL] Alert: DMARC failures — example.com" */
export function titleOf(n: Notification): string {
  const where = n.alert.domain ?? n.organisation;
  return `[${n.severity.toUpperCase()}] ${EVENT_WORDS[n.event]}: ${n.alert.ruleName} — ${where}`;
}

/** One line on what happened, for the first line of a message. */
export function leadOf(n: Notification): string {
  if (n.event === 'test') return 'A test message from the DMARC report platform: this channel works.';
  if (n.event === 'resolved') return `Resolved: ${n.alert.summary}`;
  if (n.event === 'escalated') return `Severity raised to ${n.severity}: ${n.alert.summary}`;
  return n.alert.summary;
}

/** The facts, label and value, in the order every channel shows them. */
export function factsOf(n: Notification): { label: string; value: string }[] {
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
  const a = n.alert;
  return {
    event: n.event,
    severity: n.severity,
    sentAt: n.at.toISOString(),
    organisation: n.organisation,
    title: titleOf(n),
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
export function testNotification(organisation: string, at: Date): Notification {
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
