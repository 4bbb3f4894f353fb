// The plain vocabulary of alerts: severities, the states of an alert, what a notification says, how a delivery
// went. Shared by the store, the alerting code and the API.

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** info < warning < critical. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** open → acknowledged → resolved (open → resolved directly too). */
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What a notification says about its alert. */
export const NOTIFICATION_EVENTS = ['opened', 'escalated', 'resolved'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * What a delivery carries: a notification about one alert, or the summary of a rule's alerts beyond the number
 * notified one by one in a check ("N more alerts of rule X opened").
 */
export const DELIVERY_EVENTS = [...NOTIFICATION_EVENTS, 'summary'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/** pending → delivered, or pending → retrying → ... → delivered | failed. */
export const DELIVERY_STATES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
